// Pods: the exit policy "stop".

#include "container/pod_exit.hpp"

#include <nlohmann/json.hpp>

#include "common/log.hpp"
#include "container/operations.hpp"

namespace berth::container {

namespace {

std::string pod_of(const state::ContainerRecord& record) {
  auto config = nlohmann::json::parse(record.config, nullptr, false);
  if (!config.is_object() || config.value("pod_infra", false)) return "";
  return config.value("pod_id", "");
}

}  // namespace

void apply_pod_exit_policy(Context& ctx, const std::string& id) noexcept {
  try {
    auto record = ctx.db().get_container(id);
    if (!record || has_process(record->status)) return;
    std::string pod_id = pod_of(*record);
    if (pod_id.empty()) return;
    auto pod = ctx.db().get_pod(pod_id);
    if (!pod || pod->infra_id.empty()) return;
    auto settings = nlohmann::json::parse(pod->config, nullptr, false);
    if (!settings.is_object() || settings.value("exit_policy", "continue") != "stop") return;
    for (const auto& other : ctx.db().list_containers()) {
      if (other.id != id && has_process(other.status) && pod_of(other) == pod_id) return;
    }
    auto infra = ctx.db().get_container(pod->infra_id);
    if (!infra || !has_process(infra->status)) return;
    spdlog::debug("the last container of pod {} exited: stopping its infra container", pod_id);
    stop(ctx, *infra, std::nullopt);
  } catch (const std::exception& e) {
    spdlog::warn("applying the exit policy of the pod of container {}: {}", id, e.what());
  }
}

}  // namespace berth::container
