// pause and unpause: the runtime freezes and thaws the container's cgroup.

#include <signal.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {

bool has_process(std::string_view status) {
  return status == "running" || status == "paused" || status == "initialized";
}

void pause(Context& ctx, state::ContainerRecord& record) {
  auto [lock, fresh] = lock_container(ctx, record.id);
  if (!fresh) fail_no_such_container(record.name);
  record = *fresh;
  if (record.status == "paused") {
    fail(ErrorCode::kConflict, "container {} is already paused: unpause it first", record.name);
  }
  if (record.status != "running") {
    fail(ErrorCode::kConflict, "cannot pause container {}: it is {}, not running", record.name,
         record.status);
  }
  ctx.runtime().pause(record.id);
  record.status = "paused";
  ctx.db().update_container(record);
}

void unpause(Context& ctx, state::ContainerRecord& record) {
  auto [lock, fresh] = lock_container(ctx, record.id);
  if (!fresh) fail_no_such_container(record.name);
  record = *fresh;
  if (record.status != "paused") {
    fail(ErrorCode::kConflict, "cannot unpause container {}: it is {}, not paused", record.name,
         record.status);
  }
  ctx.runtime().resume(record.id);
  record.status = "running";
  ctx.db().update_container(record);
}

}  // namespace berth::container
