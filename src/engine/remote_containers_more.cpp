// Remote client: port, stats, ps --size, healthcheck run, rm --volumes and
// system df through the libpod API. The commands that only work on the
// local store (mount, unmount, image trust, container cleanup, system reset
// and migrate) are rejected as Podman's remote client rejects them.

#include "common/error.hpp"
#include "container/operations.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

// Throws the error Podman's remote client gives for a command that needs
// the local store.
[[noreturn]] void reject_local_only(const std::string& command) {
  fail(ErrorCode::kInvalidArgument, "cannot use command \"berth {}\" with the remote berth client",
       command);
}

// The libpod list entry of one container, with its sizes when size is set.
json list_entry(api::Client& client, const std::string& id, bool size) {
  json filters = {{"id", json::array({id})}};
  std::string target = libpod("/containers/json?all=true&filters=" + escape(filters.dump()));
  if (size) target += "&size=true";
  json reply = client.send_json("GET", target);
  if (reply.is_array()) {
    for (const auto& item : reply) {
      if (string_or_empty(item, "Id") == id) return item;
    }
  }
  fail(ErrorCode::kNotFound, "no container with name or ID \"{}\" found: no such container", id);
}

// Reads one entry of Podman's stats report (GET /libpod/containers/stats).
container::ContainerStats stats_from_json(const json& item) {
  container::ContainerStats sample;
  sample.id = string_or_empty(item, "ContainerID");
  sample.name = string_or_empty(item, "Name");
  sample.cpu_ns = int_or_zero(item, "CPUNano");
  sample.sampled_ns = int_or_zero(item, "SystemNano");
  std::int64_t up_ns = int_or_zero(item, "UpTime");
  // The service reports UpTime 0 and zero counters for a container that is
  // not running.
  sample.running = up_ns > 0;
  sample.started_ns = sample.running ? sample.sampled_ns - up_ns : 0;
  sample.memory_usage = int_or_zero(item, "MemUsage");
  sample.memory_limit = int_or_zero(item, "MemLimit");
  sample.net_input = int_or_zero(item, "NetInput");
  sample.net_output = int_or_zero(item, "NetOutput");
  sample.block_input = int_or_zero(item, "BlockInput");
  sample.block_output = int_or_zero(item, "BlockOutput");
  sample.pids = int_or_zero(item, "PIDs");
  return sample;
}

// Podman's df reports Command as a list, berth's service as one string.
std::string command_text(const json& item) {
  if (!item.contains("Command")) return "";
  const auto& command = item["Command"];
  if (command.is_string()) return command.get<std::string>();
  std::string joined;
  if (command.is_array()) {
    for (const auto& word : command) {
      if (!word.is_string()) continue;
      joined += (joined.empty() ? "" : " ") + word.get<std::string>();
    }
  }
  return joined;
}

// Podman's df reports Names as a list, berth's service as one string.
std::string first_name(const json& item) {
  if (item.contains("Names") && item["Names"].is_string()) return item["Names"].get<std::string>();
  auto names = strings_or_empty(item, "Names");
  return names.empty() ? "" : names.front();
}

}  // namespace

std::vector<container::PublishedPort> RemoteEngine::container_ports(const std::string& name_or_id) {
  std::string id = container_id(name_or_id);
  json entry = list_entry(client_, id, false);
  // Only a container with a process has its ports bound, as locally.
  if (!container::has_process(string_or_empty(entry, "State"))) return {};
  return published_ports(entry);
}

container::ContainerStats RemoteEngine::stats(const std::string& name_or_id) {
  json reply = client_.send_json(
      "GET", libpod("/containers/stats?stream=false&containers=" + escape(name_or_id)));
  if (reply.contains("Error") && reply["Error"].is_object()) {
    fail(ErrorCode::kInternal, "{}", string_or_empty(reply["Error"], "message"));
  }
  if (!reply.contains("Stats") || !reply["Stats"].is_array() || reply["Stats"].empty()) {
    fail(ErrorCode::kInternal, "the service sent no stats for container {}", name_or_id);
  }
  return stats_from_json(reply["Stats"].front());
}

ContainerSize RemoteEngine::container_size(const std::string& name_or_id) {
  json entry = list_entry(client_, container_id(name_or_id), true);
  ContainerSize size;
  if (entry.contains("Size") && entry["Size"].is_object()) {
    size.rw_size = int_or_zero(entry["Size"], "rwSize");
    size.rootfs_size = int_or_zero(entry["Size"], "rootFsSize");
  }
  return size;
}

std::string RemoteEngine::healthcheck_run(const std::string& name_or_id) {
  json reply = client_.send_json("GET", container_path(name_or_id, "healthcheck"));
  return string_or_empty(reply, "Status");
}

std::vector<std::string> RemoteEngine::anonymous_volumes(const std::string& name_or_id) {
  // The container's inspect lists every volume mount, and the volume's own
  // inspect shows whether it is anonymous.
  json inspect = inspect_container(name_or_id);
  std::vector<std::string> names;
  if (!inspect.contains("Mounts") || !inspect["Mounts"].is_array()) return names;
  for (const auto& mount : inspect["Mounts"]) {
    if (string_or_empty(mount, "Type") != "volume") continue;
    std::string name = string_or_empty(mount, "Name");
    if (name.empty()) continue;
    try {
      if (inspect_volume(name).anonymous) names.push_back(name);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
    }
  }
  return names;
}

DiskUsageReport RemoteEngine::disk_usage() {
  json reply = client_.send_json("GET", libpod("/system/df"));
  DiskUsageReport report;
  auto list = [&reply](const char* key) {
    return reply.contains(key) && reply[key].is_array() ? reply[key] : json::array();
  };
  for (const auto& item : list("Images")) {
    DiskUsageImage image;
    image.id = strip_sha256(string_or_empty(item, "ImageID"));
    image.repository = string_or_empty(item, "Repository");
    image.tag = string_or_empty(item, "Tag");
    image.created_ns = time_field_ns(item, "Created");
    image.size = int_or_zero(item, "Size");
    image.shared_size = int_or_zero(item, "SharedSize");
    image.containers = int_or_zero(item, "Containers");
    report.images.push_back(std::move(image));
  }
  for (const auto& item : list("Containers")) {
    DiskUsageContainer c;
    c.id = string_or_empty(item, "ContainerID");
    c.image = string_or_empty(item, "Image");
    c.command = command_text(item);
    c.local_volumes = int_or_zero(item, "LocalVolumes");
    c.size = int_or_zero(item, "Size");
    c.created_ns = time_field_ns(item, "Created");
    c.status = string_or_empty(item, "Status");
    c.name = first_name(item);
    report.containers.push_back(std::move(c));
  }
  for (const auto& item : list("Volumes")) {
    DiskUsageVolume volume;
    volume.name = string_or_empty(item, "VolumeName");
    volume.links = int_or_zero(item, "Links");
    volume.size = int_or_zero(item, "Size");
    report.volumes.push_back(std::move(volume));
  }
  return report;
}

// The CLI rejects these commands before they reach the engine (see
// reject_local_only_command in the CLI). These stubs keep other callers
// from reaching a store that is not there.

std::string RemoteEngine::mount_container(const std::string&) { reject_local_only("mount"); }

void RemoteEngine::unmount_container(const std::string&, bool) { reject_local_only("unmount"); }

std::vector<MountedContainer> RemoteEngine::mounted_containers() { reject_local_only("mount"); }

std::string RemoteEngine::trust_policy_path(const std::string&) {
  reject_local_only("image trust");
}

std::string RemoteEngine::trust_policy_text(const std::string&) {
  reject_local_only("image trust");
}

std::vector<TrustEntry> RemoteEngine::show_trust(const std::string&) {
  reject_local_only("image trust show");
}

void RemoteEngine::set_trust(const TrustSetRequest&) { reject_local_only("image trust set"); }

void RemoteEngine::exec_cleanup(const std::string&, const std::string&, int) {
  reject_local_only("container cleanup");
}

void RemoteEngine::system_reset() { reject_local_only("system reset"); }

int RemoteEngine::system_migrate(const std::string&) { reject_local_only("system migrate"); }

}  // namespace berth::engine
