#include <signal.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {

namespace {

// Polls until the container's process is gone or deadline_ns passes.
bool wait_for_process_exit(std::int64_t pid, std::int64_t deadline_ns) {
  useconds_t pause = 2'000;
  while (process_alive(pid)) {
    if (now_ns() >= deadline_ns) return false;
    ::usleep(pause);
    pause = std::min<useconds_t>(pause * 2, 50'000);
  }
  return true;
}

}  // namespace

void kill(Context& ctx, const state::ContainerRecord& record, int sig) {
  if (record.status != "running") {
    fail(ErrorCode::kConflict, "can only kill running containers: {} is {}", record.name,
         record.status);
  }
  ctx.runtime().kill(record.id, sig);
}

void stop(Context& ctx, state::ContainerRecord& record, std::optional<int> timeout) {
  if (record.status != "running") return;
  // The restart policy leaves a container that a user stopped alone.
  ctx.db().set_stopped_by_user(record.id, true);
  auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
  int seconds = timeout.value_or(config.stop_timeout);
  int sig = parse_signal(config.stop_signal);
  if (seconds > 0) {
    try {
      ctx.runtime().kill(record.id, sig);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kConflict && e.code() != ErrorCode::kNotFound) throw;
    }
    std::int64_t deadline = now_ns() + static_cast<std::int64_t>(seconds) * 1'000'000'000;
    if (wait_for_process_exit(record.pid, deadline)) {
      wait(ctx, record.id);
      if (auto fresh = ctx.db().get_container(record.id)) record = *fresh;
      return;
    }
    spdlog::warn("StopSignal {} failed to stop container {} in {} seconds, resorting to SIGKILL",
                 config.stop_signal, record.name, seconds);
  }
  try {
    ctx.runtime().kill(record.id, SIGKILL, true);
  } catch (const Error& e) {
    // A container exiting under a concurrent stop or rm makes runc fail in
    // several ways; waiting below settles it either way.
    spdlog::debug("killing {}: {}", record.id, e.what());
  }
  wait(ctx, record.id);
  if (auto fresh = ctx.db().get_container(record.id)) record = *fresh;
}

}  // namespace berth::container
