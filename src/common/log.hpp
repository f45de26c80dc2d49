#pragma once

// Logging goes through spdlog's default logger, on stderr, default level
// warn. Library code logs at debug and trace only; user-facing results go to
// stdout through the CLI and progress through its own interface.
#include <spdlog/spdlog.h>

namespace berth::log {

// Sets the level from a Podman --log-level name (trace, debug, info, warn,
// error, fatal, panic). Throws Error{kInvalidArgument} for any other name.
void set_level(std::string_view name);

}  // namespace berth::log
