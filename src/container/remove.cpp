#include <signal.h>

#include "common/error.hpp"
#include "container/operations.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {


void remove(Context& ctx, state::ContainerRecord& record, bool force) {
  if (record.status == "running") {
    if (!force) {
      fail(ErrorCode::kConflict,
           "cannot remove container {} as it is running: stop it first or use --force",
           record.id);
    }
    try {
      ctx.runtime().kill(record.id, SIGKILL, true);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kConflict && e.code() != ErrorCode::kNotFound) throw;
    }
    wait(ctx, record.id);
  }
  const auto& paths = ctx.paths();
  os::make_dirs(paths.run_dir(record.id), 0700);
  {
    os::FileLock lock(paths.lock_file(record.id));
    if (!ctx.db().get_container(record.id)) return;  // a --rm cleanup got there first
    ctx.runtime().remove(record.id, true);
    ctx.db().remove_container(record.id);
  }
  remove_files(ctx, record.id);
}

}  // namespace berth::container
