// --init: finding the init binary (catatonit) to mount into the container.

#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"
#include "container/operations.hpp"
#include "os/process.hpp"

namespace berth::container {

namespace {

bool is_executable_file(const std::string& path) {
  struct stat info{};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_init_binary(const std::string& requested) {
  if (!requested.empty()) {
    if (!is_executable_file(requested)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --init-path \"{}\": it is not an executable file", requested);
    }
    return requested;
  }
  // containers.conf's default init_path first, then where distributions
  // install catatonit (Debian: /usr/bin).
  for (const char* path : {"/usr/libexec/podman/catatonit", "/usr/local/libexec/podman/catatonit",
                           "/usr/lib/podman/catatonit", "/usr/bin/catatonit",
                           "/usr/local/bin/catatonit"}) {
    if (is_executable_file(path)) return path;
  }
  if (auto found = os::find_in_path("catatonit")) return *found;
  fail(ErrorCode::kNotFound,
       "--init needs catatonit, which was not found: install the catatonit package or give "
       "--init-path");
}

}  // namespace berth::container
