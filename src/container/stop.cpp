#include <signal.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "events/events.hpp"
#include "os/file.hpp"
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

void resume_after_kill(Context& ctx, const std::string& id) {
  try {
    ctx.runtime().resume(id);
  } catch (const Error& e) {
    spdlog::debug("resuming {} after a kill: {}", id, e.what());
  }
}

void kill(Context& ctx, const state::ContainerRecord& record, int sig) {
  // An initialized container's process has not started yet.
  if (!has_process(record.status) || record.status == "initialized") {
    fail(ErrorCode::kConflict, "can only kill running containers: {} is {}", record.name,
         record.status);
  }
  ctx.runtime().kill(record.id, sig);
  // A paused container keeps other signals pending until unpause, as in
  // Podman; SIGKILL ends it at once.
  if (record.status == "paused" && sig == SIGKILL) resume_after_kill(ctx, record.id);
  events::write_container(ctx.db(), record, "kill");
}

// The marker file that makes the cleanup after a restart's stop keep a
// --rm container.
std::string restart_marker(Context& ctx, const std::string& id) {
  return ctx.paths().run_dir(id) + "/restarting";
}

void restart(Context& ctx, state::ContainerRecord& record, std::optional<int> timeout) {
  if (has_process(record.status)) {
    os::write_file_atomic(restart_marker(ctx, record.id), "", 0600, os::Durability::kVolatile);
  }
  stop(ctx, record, timeout);
  ::unlink(restart_marker(ctx, record.id).c_str());
  start(ctx, record);
}

bool take_restart_marker(Context& ctx, const std::string& id) {
  return ::unlink(restart_marker(ctx, id).c_str()) == 0;
}

void stop(Context& ctx, state::ContainerRecord& record, std::optional<int> timeout) {
  if (!has_process(record.status)) return;
  // The restart policy leaves a container that a user stopped alone.
  ctx.db().set_stopped_by_user(record.id, true);
  events::write_container(ctx.db(), record, "stop");
  auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
  int seconds = timeout.value_or(config.stop_timeout);
  int sig = parse_signal(config.stop_signal);
  // The process of an initialized container has not started, so only
  // SIGKILL ends it.
  if (record.status == "initialized") seconds = 0;
  if (seconds > 0) {
    try {
      ctx.runtime().kill(record.id, sig);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kConflict && e.code() != ErrorCode::kNotFound) throw;
    }
    // A paused container gets the stop signal once thawed, as in Docker.
    if (record.status == "paused") resume_after_kill(ctx, record.id);
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
  if (record.status == "paused") resume_after_kill(ctx, record.id);
  wait(ctx, record.id);
  if (auto fresh = ctx.db().get_container(record.id)) record = *fresh;
}

}  // namespace berth::container
