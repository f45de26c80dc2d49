// Container operations of LocalEngine: thin adapters from names to the
// container domain's lifecycle functions.

#include "common/error.hpp"
#include "container/health.hpp"
#include "container/operations.hpp"
#include "container/top.hpp"
#include "engine/create_pod.hpp"
#include "engine/inspect.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

void LocalEngine::start(const std::string& name_or_id, const container::StartOptions& options) {
  auto record = container::find(ctx_, name_or_id);
  container::start(ctx_, record, options);
}

void LocalEngine::stop(const std::string& name_or_id, std::optional<int> timeout) {
  auto record = container::find(ctx_, name_or_id);
  container::stop(ctx_, record, timeout);
}

void LocalEngine::kill(const std::string& name_or_id, const std::string& signal) {
  int sig = container::parse_signal(signal);
  auto record = container::find(ctx_, name_or_id);
  container::kill(ctx_, record, sig);
}

void LocalEngine::remove(const std::string& name_or_id, bool force) {
  auto record = container::find(ctx_, name_or_id);
  reject_infra_removal(ctx_, record);  // pods: it goes with `pod rm` (create_pod.cpp)
  container::remove(ctx_, record, force);
}

int LocalEngine::wait(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  return container::wait(ctx_, record.id);
}

std::vector<ContainerSummary> LocalEngine::list_containers(bool all) {
  std::vector<ContainerSummary> result;
  for (auto& record : container::list(ctx_)) {
    if (!all && record.status != "running") continue;
    auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
    ContainerSummary s;
    s.id = record.id;
    s.name = record.name;
    s.image = record.image_name;
    s.command = config.args();
    s.created_ns = record.created_ns;
    s.status = record.status;
    s.exit_code = record.exit_code;
    s.started_ns = record.started_ns;
    s.finished_ns = record.finished_ns;
    s.ports = config.ports;
    s.pid = record.pid;
    s.image_id = record.image_id;
    s.auto_remove = config.remove;
    s.labels = config.labels;
    for (const auto& volume : config.volumes) s.mounts.push_back(volume.destination);
    // ps queries: the named volumes, for --filter volume=NAME.
    for (const auto& volume : config.volumes) {
      if (volume.type == volume::MountType::kVolume) s.volume_names.push_back(volume.source);
    }
    s.networks = config.bridge_networks();
    s.restart_count = record.restart_count;
    // Health check: the status while it runs.
    if (auto health = container::health_state(ctx_, record, config); health.is_object()) {
      s.health = health.value("Status", "");
    }
    result.push_back(std::move(s));
  }
  return result;
}

nlohmann::json LocalEngine::inspect_container(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  auto image = ctx_.db().get_image(record.image_id);
  return container_inspect_json(ctx_, record, image ? &*image : nullptr);
}

std::vector<std::vector<std::string>> LocalEngine::top(const std::string& name_or_id,
                                                       const std::vector<std::string>& descriptors) {
  auto record = container::find(ctx_, name_or_id);
  return container::top(ctx_, record, descriptors);
}

std::string LocalEngine::latest_container() { return container::latest(ctx_).id; }

std::string LocalEngine::container_id(const std::string& name_or_id) {
  return container::find(ctx_, name_or_id).id;
}

std::string LocalEngine::attach_socket(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  if (record.status != "running") {
    fail(ErrorCode::kConflict, "you can only attach to running containers: {} is {}",
         record.name, record.status);
  }
  return ctx_.paths().attach_socket(record.id);
}

void LocalEngine::cleanup(const std::string& id, std::optional<int> exit_code,
                          const std::string& start_token, bool by_monitor) {
  container::cleanup(ctx_, id, exit_code, start_token,
                     by_monitor ? container::FileRemoval::kByMonitor
                                : container::FileRemoval::kNow);
}

}  // namespace berth::engine
