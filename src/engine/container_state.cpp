// Lifecycle commands of LocalEngine: port, rename, pause, unpause, restart,
// init, stats, mount and unmount.

#include "common/error.hpp"
#include "container/operations.hpp"
#include "container/stats.hpp"
#include "engine/local_engine.hpp"
#include "events/events.hpp"
#include "network/port_ranges.hpp"

namespace berth::engine {

std::vector<container::PublishedPort> LocalEngine::container_ports(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  if (!container::has_process(record.status)) return {};
  auto ports = nlohmann::json::parse(record.config).get<container::ContainerConfig>().ports;
  network::sort_ports(ports);
  return ports;
}

void LocalEngine::rename_container(const std::string& name_or_id, const std::string& new_name) {
  auto record = container::find(ctx_, name_or_id);
  container::rename(ctx_, record, new_name);
  record.name = new_name;
  events::write_container(ctx_.db(), record, "rename");
}

void LocalEngine::pause(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  container::pause(ctx_, record);
  events::write_container(ctx_.db(), record, "pause");
}

void LocalEngine::unpause(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  container::unpause(ctx_, record);
  events::write_container(ctx_.db(), record, "unpause");
}

void LocalEngine::restart(const std::string& name_or_id, std::optional<int> timeout) {
  auto record = container::find(ctx_, name_or_id);
  if (record.status == "paused") {
    fail(ErrorCode::kConflict, "cannot restart container {}: it is paused, unpause it first",
         record.name);
  }
  // The restart count stays: Podman counts only restarts by the policy.
  container::restart(ctx_, record, timeout);
  events::write_container(ctx_.db(), record, "restart");
}

void LocalEngine::init(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  if (container::has_process(record.status)) {
    fail(ErrorCode::kConflict, "container {} has already been created in the runtime: it is {}",
         record.name, record.status);
  }
  container::StartOptions options;
  options.create_only = true;
  container::start(ctx_, record, options);
}

container::ContainerStats LocalEngine::stats(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  return container::read_stats(ctx_, record);
}

std::string LocalEngine::mount_container(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  auto path = container::mount(ctx_, record);
  events::write_container(ctx_.db(), record, "mount");
  return path;
}

void LocalEngine::unmount_container(const std::string& name_or_id, bool force) {
  auto record = container::find(ctx_, name_or_id);
  container::unmount(ctx_, record, force);
  events::write_container(ctx_.db(), record, "unmount");
}

std::vector<MountedContainer> LocalEngine::mounted_containers() {
  std::vector<MountedContainer> result;
  for (const auto& record : container::list(ctx_)) {
    if (!container::rootfs_mounted(ctx_, record.id)) continue;
    result.push_back({record.id, record.name, ctx_.paths().rootfs(record.id)});
  }
  return result;
}

}  // namespace berth::engine
