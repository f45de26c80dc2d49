#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "container/config.hpp"
#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

struct LogOptions {
  bool follow = false;
  bool timestamps = false;
  // --names: with several containers, prefix lines with the container's
  // name instead of its short ID.
  bool names = false;
  std::optional<std::int64_t> since_ns;
  std::optional<std::int64_t> until_ns;
  std::optional<std::size_t> tail;  // last N lines
};

// Writes the logs of records to stdout_fd and stderr_fd by the stream each
// line came from. A k8s-file log contains "TIMESTAMP STREAM TAG TEXT" records,
// TAG F for a full line and P for a part, and the parts of a line come
// back joined. With one container lines are written as they are; with
// several, each line starts with the container's short ID (or name, with
// options.names) and a space, and lines are merged in time order.
// With follow, keeps writing new lines until every container is removed or
// stopped for good: one that its restart policy will start again is still
// followed, across the restart and across max-size rotations of its log.
// Throws Error{kInvalidArgument} before writing anything when a container
// uses the none or passthrough driver, which keep no log.
void write_logs(Context& ctx, const std::vector<state::ContainerRecord>& records,
                const LogOptions& options, int stdout_fd, int stderr_fd);

// Returns the log file of a container with a file log driver: the
// --log-opt path, or ctr.log in the container's directory.
std::string log_file_path(const Paths& paths, const std::string& id, const LogConfig& log);

// Returns berth-monitor's log driver options for the container:
// --log-driver, --log PATH, --log-size-max, --log-tag (the tag template
// rendered with the container's ID, Name, ImageName and ImageID) and
// --name; for passthrough also --stdio-fd first_stdio_fd, +1, +2, the fd
// numbers at which the monitor receives the caller's stdin, stdout and
// stderr (see passthrough_fds).
std::vector<std::string> monitor_log_args(const Paths& paths, const state::ContainerRecord& record,
                                          const ContainerConfig& config, int first_stdio_fd);

// Returns the fds the monitor must receive for the container's log driver:
// this process's stdin, stdout and stderr for passthrough, else none.
std::vector<int> passthrough_fds(const ContainerConfig& config);

}  // namespace berth::container
