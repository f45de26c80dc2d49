// Pods: the pod record's JSON, --share parsing and the pod state.

#include "pod/pod_config.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace berth::pod {

namespace {

constexpr std::string_view kNamespaces[] = {"cgroup", "ipc", "net", "pid", "uts"};

}  // namespace

void to_json(nlohmann::json& j, const PodConfig& c) {
  j = {{"hostname", c.hostname},         {"labels", c.labels},
       {"shared", c.shared},             {"exit_policy", c.exit_policy},
       {"infra", c.infra},               {"infra_image", c.infra_image},
       {"infra_command", c.infra_command}, {"infra_name", c.infra_name},
       {"networks", c.networks},         {"publish", c.publish}};
}

void from_json(const nlohmann::json& j, PodConfig& c) {
  c.hostname = j.value("hostname", "");
  c.labels = j.value("labels", std::map<std::string, std::string>{});
  c.shared = j.value("shared", std::vector<std::string>{});
  c.exit_policy = j.value("exit_policy", "continue");
  c.infra = j.value("infra", true);
  c.infra_image = j.value("infra_image", "");
  c.infra_command = j.value("infra_command", "");
  c.infra_name = j.value("infra_name", "");
  c.networks = j.value("networks", std::vector<std::string>{});
  c.publish = j.value("publish", std::vector<std::string>{});
}

std::vector<std::string> parse_share(std::string_view value) {
  std::vector<std::string> result;
  if (value.empty() || value.front() == '+') {
    result = {"ipc", "net", "uts"};
    if (!value.empty()) value.remove_prefix(1);
  }
  if (value == "none") return {};
  while (!value.empty()) {
    auto comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (item.empty()) continue;
    if (std::find(std::begin(kNamespaces), std::end(kNamespaces), item) == std::end(kNamespaces)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid kernel namespace to share \"{}\": use cgroup, ipc, net, pid or uts", item);
    }
    result.emplace_back(item);
  }
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

bool shares(const std::vector<std::string>& shared, std::string_view name) {
  return std::find(shared.begin(), shared.end(), name) != shared.end();
}

std::string pod_status(const std::vector<std::string>& statuses) {
  std::size_t running = 0, paused = 0, stopped = 0;
  for (const auto& s : statuses) {
    if (s == "running") {
      ++running;
    } else if (s == "paused") {
      ++paused;
    } else if (s == "exited" || s == "stopped" || s == "stopping") {
      ++stopped;
    }
  }
  std::size_t total = statuses.size();
  if (total == 0) return "Created";
  if (running == total) return "Running";
  if (running > 0) return "Degraded";
  if (paused == total) return "Paused";
  if (stopped == total) return "Exited";
  if (stopped > 0) return "Stopped";
  return "Created";
}

std::string default_infra_name(std::string_view pod_id) {
  return std::string(pod_id.substr(0, 12)) + "-infra";
}

}  // namespace berth::pod
