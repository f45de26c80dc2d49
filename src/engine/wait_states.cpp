// Waits for Podman's wait conditions by polling a container's inspect.

#include "engine/wait_states.hpp"

#include <unistd.h>

#include <algorithm>

#include "common/error.hpp"
#include "config/go_duration.hpp"
#include "engine/engine.hpp"

namespace berth::engine {

namespace {

// The maximum sleep between two calls of keep_going, so that a client that
// hangs up ends a wait with a long interval soon.
constexpr std::int64_t kMaxSleepNs = 100'000'000;

std::string valid_states() {
  std::string out;
  for (auto state : kWaitStates) {
    if (!out.empty()) out += ", ";
    out += state;
  }
  return out;
}

void check_keep_going(const std::function<bool()>& keep_going, const std::string& name) {
  if (keep_going && !keep_going()) {
    fail(ErrorCode::kUnavailable, "stopped waiting for container {}: the client went away", name);
  }
}

// Sleeps interval_ns, calling keep_going at least every kMaxSleepNs.
void pause(std::int64_t interval_ns, const std::function<bool()>& keep_going,
           const std::string& name) {
  for (std::int64_t left = interval_ns; left > 0; left -= kMaxSleepNs) {
    check_keep_going(keep_going, name);
    ::usleep(static_cast<useconds_t>(std::min(left, kMaxSleepNs) / 1000));
  }
}

}  // namespace

void check_wait_states(const std::vector<std::string>& conditions) {
  for (const auto& condition : conditions) {
    if (std::find(kWaitStates.begin(), kWaitStates.end(), condition) == kWaitStates.end()) {
      fail(ErrorCode::kInvalidArgument, "unknown container state \"{}\": use one of {}", condition,
           valid_states());
    }
  }
}

std::int64_t parse_wait_interval(const std::string& text, std::string_view option) {
  std::int64_t ns = with_context(fmt::format("invalid {} \"{}\"", option, text),
                                 [&] { return config::parse_go_duration(text); });
  if (ns <= 0) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": use a positive duration such as 250ms",
         option, text);
  }
  return ns;
}

bool waits_for_exit_only(const std::vector<std::string>& conditions) {
  return std::all_of(conditions.begin(), conditions.end(),
                     [](const std::string& c) { return c == "stopped" || c == "exited"; });
}

bool meets_wait_state(const nlohmann::json& inspect, const std::vector<std::string>& conditions) {
  auto found = inspect.find("State");
  const nlohmann::json state =
      found != inspect.end() && found->is_object() ? *found : nlohmann::json::object();
  std::string status = state.value("Status", "");
  std::string health;
  if (state.contains("Health") && state["Health"].is_object()) {
    health = state["Health"].value("Status", "");
  }
  for (const auto& condition : conditions) {
    if (condition == status || (!health.empty() && condition == health)) return true;
    if (condition == "stopped" && status == "exited") return true;
    if (condition == "configured" && status == "created") return true;
  }
  return false;
}

int wait_for_states(Engine& engine, const std::string& name_or_id,
                    const std::vector<std::string>& conditions, std::int64_t interval_ns,
                    const std::function<bool()>& keep_going) {
  if (waits_for_exit_only(conditions)) {
    return engine.wait_for(name_or_id, container::WaitCondition::kNotRunning, keep_going);
  }
  if (auto* waiter = dynamic_cast<StateWaiter*>(&engine)) {
    return waiter->wait_for_states(name_or_id, conditions, interval_ns);
  }
  for (;;) {
    nlohmann::json inspect = engine.inspect_container(name_or_id);
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    if (meets_wait_state(inspect, conditions)) {
      const auto& state = inspect["State"];
      std::string status = state.value("Status", "");
      bool ended = status == "exited" || status == "stopped";
      return ended ? state.value("ExitCode", 0) : -1;
    }
    pause(interval_ns, keep_going, name_or_id);
  }
}

}  // namespace berth::engine
