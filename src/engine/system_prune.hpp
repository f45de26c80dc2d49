#pragma once

// system prune: removal of unused pods, containers, networks, volumes and
// images in one step, shared by the CLI and the REST service's
// POST /libpod/system/prune.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/system_requests.hpp"

namespace berth::engine {

class Engine;

struct SystemPruneRequest {
  bool all = false;      // every unused image, not only dangling ones
  bool volumes = false;  // volumes no container uses too
  // KEY=VALUE: until, label and label!, for containers, networks and
  // images; volumes take the label filters only.
  std::vector<std::string> filters;
};

// One removed object, or one that could not be removed (error set).
struct PrunedItem {
  std::string id;         // a name for networks and volumes
  std::int64_t size = 0;  // bytes it took, per system df; 0 for pods and networks
  std::string error;      // empty when removed
};

struct SystemPruneReport {
  std::vector<PrunedItem> pods;
  std::vector<PrunedItem> containers;
  std::vector<PrunedItem> networks;
  std::vector<PrunedItem> volumes;
  std::vector<PrunedItem> images;
  // Bytes that system df counted before the prune and not after.
  std::int64_t reclaimed = 0;
};

// Removes unused objects in this order:
//  - pods with no running member, only without filters, because pods have
//    no labels to filter on;
//  - containers that are not running or paused;
//  - networks and, with request.volumes, volumes that no container uses;
//  - dangling images, or with request.all every unused image.
// Each kind matches request.filters. A
// container that cannot be removed is reported with its error and the
// prune goes on, while other failures throw. Throws Error{kInvalidArgument}
// for a bad filter before anything is removed.
SystemPruneReport prune_system(Engine& engine, const SystemPruneRequest& request);

// Returns the bytes the images take, with the layers they share counted
// once, as system df counts them.
std::int64_t images_disk_size(const DiskUsageReport& report);

// Returns the bytes images, containers and volumes take, as the totals of
// system df count them.
std::int64_t disk_usage_total(const DiskUsageReport& report);

}  // namespace berth::engine
