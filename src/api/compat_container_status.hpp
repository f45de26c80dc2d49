#pragma once

// A container's state and status text in Docker's words, shared by the
// compat container list, inspect and system df.

#include <cstdint>
#include <string>

#include "engine/engine.hpp"

namespace berth::api {

// Returns Docker's State for a berth status: "stopped" is "exited" and
// "initialized" is "created". Other statuses keep their names.
std::string docker_state(const std::string& status);

// Returns Docker's Status text at now (ns since the epoch), as `docker ps` shows
// it: "Up 5 minutes", "Exited (0) 2 hours ago", and "Up 5 minutes
// (Paused)" for a paused container.
std::string compat_status_text(const engine::ContainerSummary& c, std::int64_t now);

}  // namespace berth::api
