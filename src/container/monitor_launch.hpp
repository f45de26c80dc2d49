#pragma once

// Starting berth-monitor and reading its one-line report, shared by the
// start of a container and the start of an exec session.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "os/fd.hpp"

namespace berth::container {

// The fd numbers berth-monitor receives: its sync pipe, the first attach
// client, then the extra fds in order (reserved port sockets, or the fds
// an exec session preserves).
inline constexpr int kMonitorSyncFd = 3;
inline constexpr int kMonitorAttachFd = 4;
inline constexpr int kMonitorExtraFd = 5;

// A berth-monitor that was started and has not reported its process's pid yet.
struct MonitorLaunch {
  pid_t pid = 0;
  os::Fd sync_read;  // its "pid N" or "error ..." line arrives here
};

// Starts berth-monitor with argv (argv[0] is its path) and /dev/null as
// stdio. attach_fd, when not -1, becomes kMonitorAttachFd and extra_fds
// become kMonitorExtraFd, kMonitorExtraFd + 1, ... await_monitor reads its
// report.
MonitorLaunch spawn_monitor(const std::vector<std::string>& argv, int attach_fd,
                            const std::vector<int>& extra_fds);

// Waits for the monitor's report and returns the pid of the process it
// started. On "error MESSAGE" it throws as fail_start does. Other errors
// name container_name.
std::int64_t await_monitor(const std::string& container_name, MonitorLaunch& launch);

// Turns berth-monitor's "error ..." line (the runtime's message) into an
// Error: kCommandNotFound (exit 127) or kCommandNotExecutable (126) when
// the runtime could not find or run the command, as Podman reports them,
// else kInternal.
[[noreturn]] void fail_start(const std::string& message);

}  // namespace berth::container
