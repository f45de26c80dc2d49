// Joined namespaces at start.

#include "container/namespace_join.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"

namespace berth::container {

namespace {

// The /proc/PID/ns entry and OCI type of a joined namespace's key.
struct NamespaceKind {
  const char* key;
  const char* proc_name;
  const char* oci_type;
};

constexpr NamespaceKind kKinds[] = {{"net", "net", "network"},
                                    {"ipc", "ipc", "ipc"},
                                    {"uts", "uts", "uts"},
                                    {"pid", "pid", "pid"},
                                    {"cgroup", "cgroup", "cgroup"}};

// Points the mount at destination to the file of the same name in
// another container's bundle.
void share_file(std::vector<runtime::Mount>& mounts, const std::string& destination,
                const std::string& source) {
  for (auto& mount : mounts) {
    if (mount.destination == destination) mount.source = source;
  }
}

}  // namespace

void start_joined_containers(Context& ctx, const ContainerConfig& config) {
  for (const auto& [name, id] : config.joined_namespaces) {
    if (id == "host") continue;
    auto other = find(ctx, id);
    if (has_process(other.status)) continue;
    spdlog::debug("starting container {}, whose {} namespace is joined", other.id, name);
    start(ctx, other);
  }
}

void add_joined_namespaces(Context& ctx, const ContainerConfig& config, runtime::SpecInput& in) {
  for (const auto& kind : kKinds) {
    auto joined = config.joined_namespaces.find(kind.key);
    if (joined == config.joined_namespaces.end()) continue;
    std::string path;
    if (joined->second == "host") {
      path = std::string(runtime::kHostNetwork);
    } else {
      auto other = find(ctx, joined->second);
      if (other.status != "running" || other.pid <= 0) {
        fail(ErrorCode::kConflict,
             "cannot join the {} namespace of container {}: it is {}, start it first", kind.key,
             other.name, other.status);
      }
      path = "/proc/" + std::to_string(other.pid) + "/ns/" + kind.proc_name;
      std::string bundle = ctx.paths().bundle_dir(other.id);
      if (std::string_view(kind.key) == "net") {
        share_file(in.mounts, "/etc/hosts", bundle + "/hosts");
        share_file(in.mounts, "/etc/resolv.conf", bundle + "/resolv.conf");
      } else if (std::string_view(kind.key) == "uts") {
        share_file(in.mounts, "/etc/hostname", bundle + "/hostname");
      }
    }
    if (std::string_view(kind.key) == "net") {
      in.network_namespace = path;
    } else {
      in.joined_namespaces[kind.oci_type] = path;
    }
  }
}

}  // namespace berth::container
