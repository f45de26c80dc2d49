// Pods: lookups in the state database.

#include "pod/pod_store.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace berth::pod {

state::PodRecord find_pod(state::Database& db, const std::string& name_or_id) {
  if (!name_or_id.empty()) {
    if (auto by_name = db.pod_by_name(name_or_id)) return *by_name;
    if (auto by_id = db.get_pod(name_or_id)) return *by_id;
    std::vector<state::PodRecord> matches;
    for (auto& record : db.list_pods()) {
      if (record.id.starts_with(name_or_id)) matches.push_back(std::move(record));
    }
    if (matches.size() == 1) return matches.front();
    if (matches.size() > 1) {
      fail(ErrorCode::kInvalidArgument,
           "more than one pod ID starts with \"{}\": give more digits or the name", name_or_id);
    }
  }
  fail(ErrorCode::kNotFound, "no pod with name or ID {} found: no such pod", name_or_id);
}

std::string container_pod_id(const state::ContainerRecord& record) {
  auto config = nlohmann::json::parse(record.config, nullptr, false);
  if (!config.is_object()) return "";
  return config.value("pod_id", "");
}

bool is_infra(const state::ContainerRecord& record) {
  auto config = nlohmann::json::parse(record.config, nullptr, false);
  return config.is_object() && config.value("pod_infra", false);
}

std::vector<state::ContainerRecord> pod_members(const std::vector<state::ContainerRecord>& containers,
                                                const state::PodRecord& pod) {
  std::vector<state::ContainerRecord> result;
  for (const auto& record : containers) {
    if (record.id == pod.infra_id) result.insert(result.begin(), record);
  }
  for (const auto& record : containers) {
    if (record.id != pod.infra_id && container_pod_id(record) == pod.id) result.push_back(record);
  }
  return result;
}

}  // namespace berth::pod
