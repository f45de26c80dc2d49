#pragma once

#include <string>
#include <vector>

#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

// Returns the processes of a running container as table rows, header
// first. descriptors pick the columns by Podman's (AIX format) names: user,
// pid, ppid, pcpu, etime, tty, time, args, comm, uid, nice... When empty,
// the default USER PID PPID %CPU ELAPSED TTY TIME COMMAND. PIDs are those
// seen inside the container's pid namespace. Throws Error{kConflict} when
// the container is not running and Error{kInvalidArgument} naming an
// unknown descriptor.
std::vector<std::vector<std::string>> top(Context& ctx, const state::ContainerRecord& record,
                                          const std::vector<std::string>& descriptors = {});

}  // namespace berth::container
