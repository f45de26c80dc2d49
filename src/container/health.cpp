#include "container/health.hpp"

#include <signal.h>
#include <sys/socket.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "config/go_duration.hpp"
#include "container/attach.hpp"
#include "container/exec.hpp"
#include "container/operations.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"

namespace berth::container {

namespace {

using nlohmann::json;

// Results kept in the log, as Podman keeps them.
constexpr std::size_t kMaxLogEntries = 5;
// Output kept per result.
constexpr std::size_t kMaxOutput = 4096;

std::string state_file(Context& ctx, const std::string& id) {
  return ctx.paths().container_dir(id) + "/healthcheck.json";
}

json read_state(Context& ctx, const std::string& id) {
  auto text = os::read_file_if_exists(state_file(ctx, id));
  json state = text ? json::parse(*text, nullptr, false) : json();
  if (!state.is_object()) state = {{"Status", "starting"}, {"FailingStreak", 0}, {"Log", json::array()}};
  return state;
}

void write_state(Context& ctx, const std::string& id, const json& state) {
  os::write_file_atomic(state_file(ctx, id), state.dump(), 0600, os::Durability::kVolatile);
}

std::int64_t duration_flag(const char* flag, const std::string& value, std::int64_t minimum_ns) {
  std::int64_t ns = with_context(fmt::format("invalid {} \"{}\"", flag, value),
                                 [&] { return config::parse_go_duration(value); });
  if (ns < minimum_ns) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": it must be at least {}", flag, value,
         minimum_ns == 0 ? "0s" : "1s");
  }
  return ns;
}

std::vector<std::string> parse_health_cmd(const std::string& value) {
  if (value == "none") return {"NONE"};
  if (!value.empty() && value.front() == '[') {
    json parsed = json::parse(value, nullptr, false);
    if (!parsed.is_array() || parsed.empty() ||
        !std::all_of(parsed.begin(), parsed.end(), [](const json& e) { return e.is_string(); })) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --health-cmd \"{}\": a JSON form must be an array of strings", value);
    }
    auto test = parsed.get<std::vector<std::string>>();
    if (test.front() != "CMD" && test.front() != "CMD-SHELL" && test.front() != "NONE") {
      test.insert(test.begin(), "CMD");
    }
    return test;
  }
  if (value.empty()) fail(ErrorCode::kInvalidArgument, "invalid --health-cmd \"\": give a command");
  return {"CMD-SHELL", value};
}

// Runs the check's command in the container; returns its exit code and
// output. A command that outlives the timeout is killed and counts as
// failed.
std::pair<int, std::string> run_check_command(Context& ctx, const state::ContainerRecord& record,
                                              const HealthCheck& check) {
  ExecOptions options;
  if (check.test.front() == "CMD-SHELL") {
    options.command = {"/bin/sh", "-c", check.test.size() > 1 ? check.test[1] : ""};
  } else {
    options.command.assign(check.test.begin() + 1, check.test.end());
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    fail_errno(errno, "creating the health check socket pair");
  }
  os::Fd ours(pair[0]), theirs(pair[1]);
  options.attach_fd = theirs.get();
  std::string output;
  std::int64_t pid = 0;
  try {
    exec(ctx, record, options, &pid);
  } catch (const Error& e) {
    return {e.code() == ErrorCode::kCommandNotFound ? 127 : 126, e.what()};
  }
  theirs.reset();
  auto timeout_ms = static_cast<int>(std::min<std::int64_t>(check.timeout_ns / 1'000'000, 1 << 30));
  auto code = collect_output(ours.get(), output, timeout_ms, kMaxOutput);
  if (!code) {
    if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    return {1, fmt::format("Health check exceeded timeout of {}s", check.timeout_ns / 1'000'000'000)};
  }
  return {*code, output};
}

void apply_on_failure(Context& ctx, const state::ContainerRecord& record,
                      const std::string& action) {
  if (action == "none") return;
  spdlog::debug("container {} is unhealthy: {}", record.id, action);
  auto fresh = find(ctx, record.id);
  if (action == "kill") {
    kill(ctx, fresh, SIGKILL);
  } else if (action == "stop") {
    stop(ctx, fresh, std::nullopt);
  } else if (action == "restart") {
    stop(ctx, fresh, std::nullopt);
    start(ctx, fresh);
  }
}

}  // namespace

HealthCheck resolve_healthcheck(const json& image_healthcheck, const HealthFlags& flags) {
  HealthCheck check;
  if (image_healthcheck.is_object()) {
    check.test = image_healthcheck.value("Test", std::vector<std::string>{});
    auto take = [&](const char* key, std::int64_t& target) {
      if (auto it = image_healthcheck.find(key); it != image_healthcheck.end() &&
                                                 it->is_number_integer() && it->get<std::int64_t>() > 0) {
        target = it->get<std::int64_t>();
      }
    };
    take("Interval", check.interval_ns);
    take("Timeout", check.timeout_ns);
    take("StartPeriod", check.start_period_ns);
    if (int retries = image_healthcheck.value("Retries", 0); retries > 0) check.retries = retries;
  }
  if (flags.cmd) check.test = parse_health_cmd(*flags.cmd);
  if (flags.interval) {
    check.interval_ns = *flags.interval == "disable"
                            ? 0
                            : duration_flag("--health-interval", *flags.interval, 1'000'000'000);
  }
  if (flags.timeout) check.timeout_ns = duration_flag("--health-timeout", *flags.timeout, 1'000'000'000);
  if (flags.start_period) {
    check.start_period_ns = duration_flag("--health-start-period", *flags.start_period, 0);
  }
  if (flags.retries) {
    if (*flags.retries < 1) {
      fail(ErrorCode::kInvalidArgument, "invalid --health-retries {}: it must be 1 or more",
           *flags.retries);
    }
    check.retries = *flags.retries;
  }
  if (flags.on_failure) {
    const std::string& action = *flags.on_failure;
    if (action != "none" && action != "kill" && action != "restart" && action != "stop") {
      fail(ErrorCode::kInvalidArgument,
           "invalid --health-on-failure \"{}\": use none, kill, restart or stop", action);
    }
    check.on_failure = action;
  }
  if (flags.disabled || (!check.test.empty() && check.test.front() == "NONE")) check.test.clear();
  if (!check.test.empty() && check.test.front() != "CMD" && check.test.front() != "CMD-SHELL") {
    fail(ErrorCode::kInvalidArgument, "invalid health check test \"{}\": it must start with CMD or CMD-SHELL",
         check.test.front());
  }
  return check;
}

std::string run_healthcheck(Context& ctx, const state::ContainerRecord& record) {
  auto config = json::parse(record.config).get<ContainerConfig>();
  const HealthCheck& check = config.healthcheck;
  if (check.test.empty()) {
    fail(ErrorCode::kInvalidArgument, "container \"{}\" has no defined healthcheck", record.name);
  }
  if (record.status != "running") {
    fail(ErrorCode::kConflict, "container \"{}\" is not running", record.name);
  }
  std::int64_t start = now_ns();
  auto [code, output] = run_check_command(ctx, record, check);
  std::int64_t end = now_ns();

  std::string status;
  {
    os::FileLock lock(ctx.paths().container_dir(record.id) + "/healthcheck.lock");
    json state = read_state(ctx, record.id);
    bool in_start_period = start - record.started_ns < check.start_period_ns;
    int streak = state.value("FailingStreak", 0);
    status = state.value("Status", "starting");
    if (code == 0) {
      status = "healthy";
      streak = 0;
    } else if (!in_start_period) {
      ++streak;
      if (streak >= check.retries) status = "unhealthy";
    }
    json& log = state["Log"];
    if (!log.is_array()) log = json::array();
    log.push_back({{"Start", format_rfc3339_nano(start)},
                   {"End", format_rfc3339_nano(end)},
                   {"ExitCode", code},
                   {"Output", output}});
    while (log.size() > kMaxLogEntries) log.erase(log.begin());
    state["Status"] = status;
    state["FailingStreak"] = streak;
    write_state(ctx, record.id, state);
  }
  if (status == "unhealthy") apply_on_failure(ctx, record, check.on_failure);
  return status;
}

json health_state(Context& ctx, const state::ContainerRecord& record, const ContainerConfig& config) {
  if (config.healthcheck.test.empty()) return nullptr;
  json state = read_state(ctx, record.id);
  if (record.status != "running" && state.value("Status", "") == "starting") state["Status"] = "";
  return state;
}

void reset_health(Context& ctx, const std::string& id) {
  auto path = state_file(ctx, id);
  if (!os::path_exists(path)) return;
  os::FileLock lock(ctx.paths().container_dir(id) + "/healthcheck.lock");
  json state = read_state(ctx, id);
  state["Status"] = "starting";
  state["FailingStreak"] = 0;
  write_state(ctx, id, state);
}

}  // namespace berth::container
