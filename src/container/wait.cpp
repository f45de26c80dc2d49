#include <unistd.h>

#include "common/error.hpp"
#include "container/operations.hpp"

namespace berth::container {

int wait(Context& ctx, const std::string& id) {
  useconds_t pause = 1'000;
  int last_code = 0;
  for (;;) {
    auto record = ctx.db().get_container(id);
    // A --rm container disappears once cleaned up; the code came with it.
    if (!record) return last_code;
    if (record->status != "running") return static_cast<int>(record->exit_code);
    refresh(ctx, *record);
    if (record->status != "running") return static_cast<int>(record->exit_code);
    last_code = static_cast<int>(record->exit_code);
    ::usleep(pause);
    pause = std::min<useconds_t>(pause * 2, 50'000);
  }
}

}  // namespace berth::container
