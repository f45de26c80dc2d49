#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

struct LogOptions {
  bool follow = false;
  bool timestamps = false;
  std::optional<std::int64_t> since_ns;
  std::optional<std::int64_t> until_ns;
  std::optional<std::size_t> tail;  // last N lines
};

// Writes a container's log (the k8s-file format berth-monitor writes:
// "TIMESTAMP STREAM TAG TEXT", TAG F for a full line and P for a part) to
// stdout_fd and stderr_fd by the stream each line came from. With follow,
// keeps writing new lines until the container stops running.
void write_logs(Context& ctx, const state::ContainerRecord& record, const LogOptions& options,
                int stdout_fd, int stderr_fd);

}  // namespace berth::container
