#include <signal.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"
#include "container/userns_start.hpp"
#include "events/events.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {


void remove(Context& ctx, state::ContainerRecord& record, bool force) {
  // A start may finish while this waits for the container's lock, so the
  // state is checked again under the lock and the kill repeated if needed.
  for (;;) {
    if (has_process(record.status)) {
      // An initialized container's process never started, so Podman removes
      // it without --force.
      if (!force && record.status != "initialized") {
        fail(ErrorCode::kConflict,
             "cannot remove container {} as it is {}: stop it first or use --force", record.id,
             record.status);
      }
      ctx.db().set_stopped_by_user(record.id, true);
      try {
        ctx.runtime().kill(record.id, SIGKILL, true);
      } catch (const Error& e) {
        // The container may be exiting under a concurrent stop, which makes
        // runc fail in several ways; waiting below settles it either way.
        spdlog::debug("killing {} for removal: {}", record.id, e.what());
      }
      // Frozen processes die of SIGKILL only once thawed (cgroup v1 freezer).
      if (record.status == "paused") resume_after_kill(ctx, record.id);
      wait(ctx, record.id);
    }
    auto [lock, fresh] = lock_container(ctx, record.id);
    if (!fresh) return;  // a --rm cleanup got there first
    record = *fresh;
    if (has_process(record.status)) continue;
    auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
    // A start killed halfway leaves its network and runtime state behind.
    release_network(ctx, record, config);
    release_user_namespace(ctx.paths(), record.id);  // userns_start.cpp
    ctx.runtime().remove(record.id, true);
    ctx.db().remove_container(record.id);
    events::write_container(ctx.db(), record, "remove");
    break;
  }
  remove_files(ctx, record.id);
}

}  // namespace berth::container
