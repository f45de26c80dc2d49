#pragma once

// Waits for Podman's wait conditions (`wait --condition running`, the
// libpod wait route's repeated `condition` parameter): container states
// and health check results, shared by the CLI and the REST service.

#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::engine {

class Engine;

// Podman's wait conditions: the container states, and healthy or unhealthy
// for the status of the health check.
inline constexpr std::array<std::string_view, 11> kWaitStates = {
    "configured", "created", "exited",  "healthy",  "initialized", "paused",
    "removing",   "running", "stopped", "stopping", "unhealthy"};

// Throws Error{kInvalidArgument} naming the first condition that is not one
// of kWaitStates, with the valid ones.
void check_wait_states(const std::vector<std::string>& conditions);

// Parses a wait interval in Go's duration form ("250ms"). Throws
// Error{kInvalidArgument} naming option and the value unless it is positive.
std::int64_t parse_wait_interval(const std::string& text, std::string_view option);

// Returns whether conditions are only stopped or exited (or empty): the
// wait for the container's exit, which needs no polling of its state.
bool waits_for_exit_only(const std::vector<std::string>& conditions);

// Returns whether a container's inspect object meets one of conditions.
// stopped also matches exited, and configured matches created.
bool meets_wait_state(const nlohmann::json& inspect, const std::vector<std::string>& conditions);

// An Engine that waits for states in one request of its own (the remote
// client, through the libpod wait route) instead of polling inspect.
class StateWaiter {
 public:
  virtual ~StateWaiter() = default;
  // Waits as wait_for_states does, for conditions already checked.
  virtual int wait_for_states(const std::string& name_or_id,
                              const std::vector<std::string>& conditions,
                              std::int64_t interval_ns) = 0;
};

// Waits until container name_or_id meets one of conditions (checked with
// check_wait_states) and returns its exit code, or -1 when it has not
// exited, as Podman does. Exit-only conditions use engine.wait_for, an
// engine that is a StateWaiter waits in its own way, and others poll
// engine.inspect_container every interval_ns. keep_going, when given, is
// called between polls, and the wait throws Error{kUnavailable} once it
// returns false. A container removed during a poll throws Error{kNotFound}.
int wait_for_states(Engine& engine, const std::string& name_or_id,
                    const std::vector<std::string>& conditions, std::int64_t interval_ns,
                    const std::function<bool()>& keep_going = {});

}  // namespace berth::engine
