#include <unistd.h>

#include "common/error.hpp"
#include <cstdlib>

#include "container/operations.hpp"
#include "container/wait_condition.hpp"
#include "os/file.hpp"

namespace berth::container {

namespace {

// Throws when the caller's keep_going returns false.
void check_keep_going(const std::function<bool()>& keep_going, const std::string& id) {
  if (keep_going && !keep_going()) {
    throw Error(ErrorCode::kUnavailable, "stopped waiting for container " + id +
                                             ": the client went away");
  }
}

// wait() with keep_going between polls.
int wait_until_stopped(Context& ctx, const std::string& id,
                       const std::function<bool()>& keep_going) {
  useconds_t pause = 1'000;
  int last_code = 0;
  for (;;) {
    auto record = ctx.db().get_container(id);
    // A --rm container disappears once cleaned up; its cleanup kept the code.
    if (!record) {
      auto kept = os::read_file_if_exists(ctx.paths().removed_exit_file(id));
      return kept ? std::atoi(kept->c_str()) : last_code;
    }
    if (!has_process(record->status)) return static_cast<int>(record->exit_code);
    refresh(ctx, *record);
    if (!has_process(record->status)) return static_cast<int>(record->exit_code);
    last_code = static_cast<int>(record->exit_code);
    check_keep_going(keep_going, id);
    ::usleep(pause);
    pause = std::min<useconds_t>(pause * 2, 50'000);
  }
}

}  // namespace

int wait(Context& ctx, const std::string& id) { return wait_until_stopped(ctx, id, {}); }

}  // namespace berth::container

namespace berth::container {

int wait_for(Context& ctx, const std::string& id, WaitCondition condition,
             const std::function<bool()>& keep_going) {
  if (condition == WaitCondition::kNotRunning) return wait_until_stopped(ctx, id, keep_going);
  auto first = ctx.db().get_container(id);
  std::int64_t finished_before = first ? first->finished_ns : 0;
  useconds_t pause = 1'000;
  for (;;) {
    auto record = ctx.db().get_container(id);
    if (!record) {
      auto kept = os::read_file_if_exists(ctx.paths().removed_exit_file(id));
      return kept ? std::atoi(kept->c_str()) : 0;
    }
    if (has_process(record->status)) refresh(ctx, *record);
    if (condition == WaitCondition::kNextExit && !has_process(record->status) &&
        record->finished_ns != finished_before) {
      return static_cast<int>(record->exit_code);
    }
    check_keep_going(keep_going, id);
    ::usleep(pause);
    pause = std::min<useconds_t>(pause * 2, 50'000);
  }
}

}  // namespace berth::container
