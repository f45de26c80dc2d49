#pragma once

// The inspect fields that the security, resource and /etc flags of run and
// create set, with Podman's names and units.

#include <nlohmann/json.hpp>

#include "container/config.hpp"

namespace berth::engine {

// Returns the "HostConfig" keys (CapAdd, Memory, Ulimits, Dns, ...) to merge
// over the defaults of container inspect.
nlohmann::json host_config_inspect_json(const container::ContainerConfig& config);

}  // namespace berth::engine
