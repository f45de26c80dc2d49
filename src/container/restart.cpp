#include "container/restart.hpp"

#include <charconv>

#include "common/error.hpp"

namespace berth::container {

RestartPolicy parse_restart_policy(std::string_view value) {
  RestartPolicy policy;
  if (value.empty() || value == "no") return policy;
  if (value == "always" || value == "unless-stopped" || value == "on-failure") {
    policy.name = std::string(value);
    return policy;
  }
  if (value.starts_with("on-failure:")) {
    std::string_view count = value.substr(11);
    int retries = -1;
    auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), retries);
    if (ec == std::errc() && end == count.data() + count.size() && retries >= 0) {
      policy.name = "on-failure";
      policy.retries = retries;
      return policy;
    }
    fail(ErrorCode::kInvalidArgument,
         "invalid restart policy \"{}\": the retry count must be a number of 0 or more", value);
  }
  if (value.starts_with("always:") || value.starts_with("unless-stopped:") ||
      value.starts_with("no:")) {
    fail(ErrorCode::kInvalidArgument,
         "invalid restart policy \"{}\": only on-failure takes a retry count", value);
  }
  fail(ErrorCode::kInvalidArgument,
       "invalid restart policy \"{}\": use no, always, on-failure[:MAX-RETRIES] or unless-stopped",
       value);
}

bool should_restart(const ContainerConfig& config, const state::ContainerRecord& record) {
  if (record.stopped_by_user || config.remove) return false;
  const auto& policy = config.restart_policy;
  if (policy == "always" || policy == "unless-stopped") return true;
  if (policy != "on-failure" || record.exit_code == 0) return false;
  return config.restart_retries == 0 || record.restart_count < config.restart_retries;
}

}  // namespace berth::container
