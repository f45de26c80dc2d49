#pragma once

// Log driver: the log settings of a new container.

#include "container/log_config.hpp"
#include "engine/engine.hpp"

namespace berth::engine {

// Builds the container's log configuration from --log-driver and --log-opt
// over the containers.conf defaults (log_driver, log_size_max, log_tag).
// Throws Error{kInvalidArgument} naming a bad value.
container::LogConfig resolve_log_config(const CreateRequest& request);

}  // namespace berth::engine
