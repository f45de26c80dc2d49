// Podman's status text and JSON object of a container summary.

#include "engine/container_json.hpp"

#include <unistd.h>

#include "common/time.hpp"
#include "network/port_ranges.hpp"

namespace berth::engine {

namespace {

bool is_exited(const ContainerSummary& c) { return c.status == "exited" || c.status == "stopped"; }

}  // namespace

std::string container_status_text(const ContainerSummary& c, std::int64_t now) {
  if (c.status == "running") {
    std::string text = "Up " + human_duration(now - c.started_ns);
    return c.health.empty() ? text : text + " (" + c.health + ")";
  }
  if (is_exited(c)) {
    return "Exited (" + std::to_string(c.exit_code) + ") " + human_duration(now - c.finished_ns) +
           " ago";
  }
  if (c.status == "created") return "Created";
  if (c.status == "paused") return "Paused";
  if (c.status == "initialized") return "Initialized";
  return c.status;
}

std::string namespace_id(std::int64_t pid, const char* name) {
  if (pid <= 0) return "";
  char target[64];
  std::string link = "/proc/" + std::to_string(pid) + "/ns/" + name;
  ssize_t length = ::readlink(link.c_str(), target, sizeof target - 1);
  if (length <= 0) return "";
  std::string text(target, static_cast<std::size_t>(length));
  auto open = text.find('[');
  auto close = text.find(']');
  if (open == std::string::npos || close == std::string::npos) return "";
  return text.substr(open + 1, close - open - 1);
}

std::int64_t unix_seconds_or_zero_time(std::int64_t ns) {
  return ns == 0 ? -62135596800 : ns / 1000000000;
}

nlohmann::ordered_json podman_container_json(const ContainerSummary& c,
                                             const std::optional<ContainerSize>& size,
                                             bool namespaces, std::int64_t now) {
  // Consecutive ports travel as one entry with a range, as Podman's do.
  std::vector<network::PortMapping> mappings;
  for (const auto& p : c.ports) {
    mappings.push_back(
        {p.host_ip == "0.0.0.0" ? "" : p.host_ip, p.host_port, p.container_port, p.protocol});
  }
  nlohmann::ordered_json ports = nullptr;
  for (const auto& run : network::group_port_runs(std::move(mappings))) {
    if (ports.is_null()) ports = nlohmann::ordered_json::array();
    ports.push_back({{"host_ip", run.first.host_ip},
                     {"container_port", run.first.container_port},
                     {"host_port", run.first.host_port},
                     {"range", run.count},
                     {"protocol", run.first.protocol}});
  }
  nlohmann::ordered_json ns = nlohmann::ordered_json::object();
  if (namespaces) {
    for (const auto& [field, name] : kPodmanNamespaces) ns[field] = namespace_id(c.pid, name);
  }
  nlohmann::ordered_json size_json = nullptr;
  if (size) size_json = {{"rootFsSize", size->rootfs_size}, {"rwSize", size->rw_size}};
  return {{"AutoRemove", c.auto_remove},
          {"Command", c.command},
          {"CreatedAt", human_duration(now - c.created_ns) + " ago"},
          {"Exited", is_exited(c)},
          {"ExitedAt", unix_seconds_or_zero_time(c.finished_ns)},
          {"ExitCode", c.exit_code},
          {"Id", c.id},
          {"Image", c.image},
          {"ImageID", c.image_id},
          {"IsInfra", false},
          {"Labels", c.labels.empty() ? nlohmann::json(nullptr) : c.labels},
          {"Mounts", c.mounts},
          {"Names", {c.name}},
          {"Namespaces", ns},
          {"Networks", c.networks},
          {"Pid", c.pid},
          {"Pod", ""},
          {"PodName", ""},
          {"Ports", ports},
          {"Size", size_json},
          {"StartedAt", unix_seconds_or_zero_time(c.started_ns)},
          {"State", c.status},
          {"Status", container_status_text(c, now)},
          {"Created", c.created_ns / 1000000000}};
}

}  // namespace berth::engine
