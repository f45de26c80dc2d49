// system prune: one pass over the prune calls of each kind of object.

#include "engine/system_prune.hpp"

#include <algorithm>
#include <map>

#include "common/error.hpp"
#include "engine/container_filter.hpp"
#include "engine/engine.hpp"
#include "engine/image_query.hpp"

namespace berth::engine {

namespace {

std::vector<PrunedItem> prune_containers(Engine& engine, const ContainerFilter& filter,
                                         const std::map<std::string, std::int64_t>& sizes) {
  auto every = engine.list_containers(true);
  std::vector<ContainerSummary> stopped;
  for (const auto& c : every) {
    if (c.status != "running" && c.status != "paused") stopped.push_back(c);
  }
  std::vector<PrunedItem> out;
  for (const auto& c : match_containers(stopped, every, filter)) {
    PrunedItem item{c.id, 0, ""};
    try {
      engine.remove(c.id, false);
      auto size = sizes.find(c.id);
      if (size != sizes.end()) item.size = size->second;
    } catch (const Error& e) {
      item.error = e.what();
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<PrunedItem> sized_items(const std::vector<std::string>& ids,
                                    const std::map<std::string, std::int64_t>& sizes) {
  std::vector<PrunedItem> out;
  for (const auto& id : ids) {
    auto size = sizes.find(id);
    out.push_back({id, size != sizes.end() ? size->second : 0, ""});
  }
  return out;
}

}  // namespace

std::int64_t images_disk_size(const DiskUsageReport& report) {
  std::int64_t total = 0;
  // NOTE: shared layers are counted once as the largest shared size of any
  // image. The estimate is exact when all images share the same layers.
  std::int64_t shared = 0;
  for (const auto& image : report.images) {
    total += image.size - image.shared_size;
    shared = std::max(shared, image.shared_size);
  }
  return total + shared;
}

std::int64_t disk_usage_total(const DiskUsageReport& report) {
  std::int64_t total = images_disk_size(report);
  for (const auto& c : report.containers) total += c.size;
  for (const auto& v : report.volumes) total += v.size;
  return total;
}

SystemPruneReport prune_system(Engine& engine, const SystemPruneRequest& request) {
  ContainerFilter container_filter = parse_prune_filters(request.filters);
  ImagePruneRequest images;
  images.all = request.all;
  images.filters = request.filters;
  parse_image_prune_filters(images.filters);
  std::vector<std::string> volume_filters;
  for (const auto& f : request.filters) {
    if (!f.starts_with("until=")) volume_filters.push_back(f);
  }

  DiskUsageReport before = engine.disk_usage();
  std::map<std::string, std::int64_t> container_sizes, volume_sizes, image_sizes;
  for (const auto& c : before.containers) container_sizes[c.id] = c.size;
  for (const auto& v : before.volumes) volume_sizes[v.name] = v.size;
  for (const auto& i : before.images) image_sizes[i.id] = i.size;

  SystemPruneReport report;
  // pod_prune takes no filters, so a filtered prune leaves pods alone
  // rather than removing pods the filters would not select.
  if (request.filters.empty()) report.pods = sized_items(engine.pod_prune(), {});
  report.containers = prune_containers(engine, container_filter, container_sizes);
  report.networks = sized_items(engine.network_prune(request.filters), {});
  if (request.volumes)
    report.volumes = sized_items(engine.volume_prune(volume_filters), volume_sizes);
  report.images = sized_items(engine.prune_images(images), image_sizes);
  report.reclaimed =
      std::max<std::int64_t>(0, disk_usage_total(before) - disk_usage_total(engine.disk_usage()));
  return report;
}

}  // namespace berth::engine
