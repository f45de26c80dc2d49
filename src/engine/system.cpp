// The system commands of LocalEngine: disk usage, reset and migrate.

#include <map>
#include <set>
#include <system_error>

#include "common/error.hpp"
#include "common/json_text.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "os/file.hpp"
#include "storage/layer_store.hpp"
#include "volume/volume_store.hpp"

namespace berth::engine {

namespace {

// Splits "registry/repo:tag" into repository and tag; "<none>" for a
// missing part, as Podman prints them.
std::pair<std::string, std::string> split_name(const std::vector<std::string>& names) {
  if (names.empty()) return {"<none>", "<none>"};
  const std::string& name = names.front();
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {name, "<none>"};
  }
  return {name.substr(0, colon), name.substr(colon + 1)};
}

}  // namespace

DiskUsageReport LocalEngine::disk_usage() {
  DiskUsageReport report;
  auto images = ctx_.db().list_images();
  auto containers = container::list(ctx_);
  std::map<std::string, int> layer_users;
  for (const auto& image : images) {
    for (const auto& layer : std::set<std::string>(image.layers.begin(), image.layers.end())) {
      ++layer_users[layer];
    }
  }
  const auto& layers = ctx_.layers();
  for (const auto& image : images) {
    DiskUsageImage entry;
    entry.id = image.id;
    std::tie(entry.repository, entry.tag) = split_name(image.names);
    entry.created_ns = image.created_ns;
    entry.size = image.size;
    for (const auto& layer : std::set<std::string>(image.layers.begin(), image.layers.end())) {
      if (layer_users[layer] > 1) entry.shared_size += layers.size(layer);
    }
    for (const auto& c : containers) entry.containers += c.image_id == image.id ? 1 : 0;
    report.images.push_back(std::move(entry));
  }
  std::map<std::string, std::int64_t> volume_links;
  for (const auto& record : containers) {
    auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
    DiskUsageContainer entry;
    entry.id = record.id;
    entry.image = record.image_name;
    for (const auto& arg : config.args()) entry.command += (entry.command.empty() ? "" : " ") + arg;
    for (const auto& mount : config.volumes) {
      if (mount.type != volume::MountType::kVolume) continue;
      ++entry.local_volumes;
      ++volume_links[mount.source];
    }
    entry.size = os::tree_size(ctx_.paths().container_dir(record.id) + "/diff");
    entry.created_ns = record.created_ns;
    entry.status = record.status;
    entry.name = record.name;
    report.containers.push_back(std::move(entry));
  }
  volume::VolumeStore store(ctx_.db(), ctx_.paths().root);
  for (const auto& record : ctx_.db().list_volumes()) {
    DiskUsageVolume entry;
    entry.name = record.name;
    entry.links = volume_links[record.name];
    entry.size = os::tree_size(store.data_dir(record.name));
    report.volumes.push_back(std::move(entry));
  }
  return report;
}

void LocalEngine::system_reset() {
  for (auto& record : container::list(ctx_)) {
    container::remove(ctx_, record, true);
  }
  for (const auto& image : ctx_.db().list_images()) {
    try {
      remove_image(image.id, true);
    } catch (const Error& e) {
      // A manifest list or an image whose names another removal took.
      if (e.code() != ErrorCode::kNotFound) throw;
    }
  }
  volume::VolumeStore store(ctx_.db(), ctx_.paths().root);
  for (const auto& volume : ctx_.db().list_volumes()) store.remove(volume.name);
  // What is left goes with the roots: layers no image uses, the database
  // and the run state of this store.
  os::remove_all(ctx_.paths().root);
  os::remove_all(ctx_.paths().run_root);
}

int LocalEngine::system_migrate(const std::string& new_runtime) {
  // Opening the database (done by this engine) applied any pending schema
  // migrations; what is left is the runtime change.
  if (new_runtime.empty()) return 0;
  int changed = 0;
  for (auto record : ctx_.db().list_containers()) {
    auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
    if (config.runtime == new_runtime) continue;
    config.runtime = new_runtime;
    record.config = json_text(nlohmann::json(config));
    ctx_.db().update_container(record);
    ++changed;
  }
  return changed;
}

}  // namespace berth::engine
