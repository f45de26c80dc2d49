#pragma once

#include <string>
#include <vector>

#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

// Returns the processes of a running container as table rows, header
// first. descriptors pick the columns by Podman's names (pid, ppid, user,
// ruser, group, rgroup, args, comm, pcpu, etime, time, tty, vsz, nice,
// pgid, state, hpid, huser, hgroup, label, seccomp, capamb, capbnd,
// capeff, capinh, capprm, uid) or AIX codes (%p, %U, ...). A value may
// contain several, comma-separated. When empty, the default USER PID PPID
// %CPU ELAPSED TTY TIME COMMAND. PIDs are those seen inside the
// container's pid namespace. When any descriptor is unknown, the rows come
// from ps(1) run inside the container with descriptors as its arguments,
// as in Podman. Throws Error{kConflict} when the container is not running
// and Error{kInvalidArgument} when that ps(1) fails.
std::vector<std::vector<std::string>> top(Context& ctx, const state::ContainerRecord& record,
                                          const std::vector<std::string>& descriptors = {});

}  // namespace berth::container
