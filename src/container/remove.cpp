#include <signal.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {


void remove(Context& ctx, state::ContainerRecord& record, bool force) {
  // A start may finish while this waits for the container's lock, so the
  // state is checked again under the lock and the kill repeated if needed.
  for (;;) {
    if (record.status == "running") {
      if (!force) {
        fail(ErrorCode::kConflict,
             "cannot remove container {} as it is running: stop it first or use --force",
             record.id);
      }
      ctx.db().set_stopped_by_user(record.id, true);
      try {
        ctx.runtime().kill(record.id, SIGKILL, true);
      } catch (const Error& e) {
        // The container may be exiting under a concurrent stop, which makes
        // runc fail in several ways; waiting below settles it either way.
        spdlog::debug("killing {} for removal: {}", record.id, e.what());
      }
      wait(ctx, record.id);
    }
    auto [lock, fresh] = lock_container(ctx, record.id);
    if (!fresh) return;  // a --rm cleanup got there first
    record = *fresh;
    if (record.status == "running") continue;
    auto config = nlohmann::json::parse(record.config).get<ContainerConfig>();
    // A start killed halfway leaves its network and runtime state behind.
    release_network(ctx, record, config);
    ctx.runtime().remove(record.id, true);
    ctx.db().remove_container(record.id);
    break;
  }
  remove_files(ctx, record.id);
}

}  // namespace berth::container
