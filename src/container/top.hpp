#pragma once

#include <string>
#include <vector>

#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

// Returns the processes of a running container as table rows, header
// first, with Podman's default top columns: USER PID PPID %CPU ELAPSED TTY
// TIME COMMAND. PIDs are those seen inside the container's pid namespace.
// Throws Error{kConflict} when the container is not running.
std::vector<std::vector<std::string>> top(Context& ctx, const state::ContainerRecord& record);

}  // namespace berth::container
