#pragma once

// Health checks: a command run inside the container, by berth-monitor's
// timer (`berth healthcheck run ID` every interval) or by the user. The
// results live in the container's directory (healthcheck.json) and show
// in ps and inspect.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "container/config.hpp"
#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

// The --health-* flags as given; unset ones keep the image's values.
struct HealthFlags {
  std::optional<std::string> cmd;  // a command for sh -c, a JSON array, or "none"
  std::optional<std::string> interval;  // Go duration or "disable"
  std::optional<std::string> timeout;
  std::optional<std::string> start_period;
  std::optional<int> retries;
  std::optional<std::string> on_failure;
  bool disabled = false;  // --no-healthcheck
};

// Merges the image config's Healthcheck (Docker's form: Test, Interval,
// Timeout, StartPeriod in nanoseconds, Retries; may be null) with flags.
// Throws Error{kInvalidArgument} naming a bad value.
HealthCheck resolve_healthcheck(const nlohmann::json& image_healthcheck, const HealthFlags& flags);

// Runs the container's check once, records the result and, when the
// container turned unhealthy, applies its on_failure action. Returns the
// health status after the check: "healthy", "unhealthy" or "starting".
// Throws Error{kInvalidArgument} when the container has no health check
// and Error{kConflict} when it is not running.
std::string run_healthcheck(Context& ctx, const state::ContainerRecord& record);

// The health state as inspect shows it (Status, FailingStreak, Log), or
// null when the container has no health check. A running container that
// has not been checked yet is "starting".
nlohmann::json health_state(Context& ctx, const state::ContainerRecord& record,
                            const ContainerConfig& config);

// Marks a starting container's health as "starting" again, keeping the log.
void reset_health(Context& ctx, const std::string& id);

}  // namespace berth::container
