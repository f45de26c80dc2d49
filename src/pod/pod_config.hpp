#pragma once

// Pods: the creation options a pod keeps in its state record (the `config`
// column of the pods table), and the rules that turn its members' states
// into the pod's state.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::pod {

// The version in the name of berth's pause image.
inline constexpr const char* kPauseImage = "localhost/berth-pause:0.1.0";

// The validated options of `pod create`.
struct PodConfig {
  std::string hostname;  // the UTS name of the infra container and members
  std::map<std::string, std::string> labels;
  std::vector<std::string> shared;  // sorted: cgroup, ipc, net, pid, uts
  std::string exit_policy = "continue";
  bool infra = true;
  std::string infra_image;
  std::string infra_command;
  std::string infra_name;
  std::vector<std::string> networks;
  std::vector<std::string> publish;
};

void to_json(nlohmann::json& j, const PodConfig& c);
void from_json(const nlohmann::json& j, PodConfig& c);

// Parses a --share value, a comma list of cgroup, ipc, net, pid and uts.
// "" gives the default ipc, net and uts, and a leading "+" adds to it.
// "none" shares nothing. Returns the sorted list without repeats. Throws
// Error{kInvalidArgument} naming an unknown namespace.
std::vector<std::string> parse_share(std::string_view value);

// Whether shared contains name (net, ipc, uts, pid or cgroup).
bool shares(const std::vector<std::string>& shared, std::string_view name);

// The pod's state computed from its containers' states (created, running,
// paused, exited, ...) by Podman's rules. It is Running when every one
// runs and Degraded when some do. It is Paused when all are paused, Exited
// when all stopped and Stopped when some did. Otherwise, and for a pod
// without containers, it is Created.
std::string pod_status(const std::vector<std::string>& container_statuses);

// The default name of a pod's infra container: the first 12 digits of the
// pod ID and "-infra".
std::string default_infra_name(std::string_view pod_id);

}  // namespace berth::pod
