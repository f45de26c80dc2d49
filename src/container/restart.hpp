#pragma once

// Restart policies (--restart), applied by the cleanup that follows every
// exit, so no berth process needs to run between two runs of a container:
// berth-monitor runs `berth container cleanup` when the process exits.

#include <string>
#include <string_view>

#include "container/config.hpp"
#include "state/database.hpp"

namespace berth::container {

struct RestartPolicy {
  std::string name = "no";  // no, always, on-failure, unless-stopped
  int retries = 0;          // on-failure:N; 0: no limit
};

// Parses a --restart value: "no", "always", "unless-stopped", "on-failure"
// or "on-failure:N" with N >= 0 ("" is "no"). Throws
// Error{kInvalidArgument} naming the value.
RestartPolicy parse_restart_policy(std::string_view value);

// Returns whether the container's policy restarts it after the exit that
// record contains (status "exited", exit_code set). A container that `stop`
// ended never restarts. on-failure restarts after a non-zero exit until
// restart_count reaches the retries.
bool should_restart(const ContainerConfig& config, const state::ContainerRecord& record);

}  // namespace berth::container
