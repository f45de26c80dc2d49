#pragma once

// Volumes: a container's mounts in the shape of Podman's container inspect.

#include <nlohmann/json.hpp>

#include "container/config.hpp"
#include "container/context.hpp"

namespace berth::engine {

struct MountsInspect {
  nlohmann::json mounts = nlohmann::json::array();  // "Mounts": volumes first, then binds
  nlohmann::json binds = nlohmann::json::array();   // HostConfig "Binds": SRC:DST:OPTIONS
  nlohmann::json tmpfs = nlohmann::json::object();  // HostConfig "Tmpfs": DST -> options
};

// Describes config's mounts as Podman's container inspect does. Named
// volumes get their Source from the volume store.
MountsInspect mounts_inspect_json(container::Context& ctx,
                                  const container::ContainerConfig& config);

}  // namespace berth::engine
