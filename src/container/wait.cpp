#include <unistd.h>

#include "common/error.hpp"
#include <cstdlib>

#include "container/operations.hpp"
#include "os/file.hpp"

namespace berth::container {

int wait(Context& ctx, const std::string& id) {
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
    ::usleep(pause);
    pause = std::min<useconds_t>(pause * 2, 50'000);
  }
}

}  // namespace berth::container
