#include "os/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::os {

FileLock::FileLock(const std::string& path) {
  fd_ = open_file(path, O_RDWR | O_CREAT, 0600);
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) fail_errno(errno, "locking \"" + path + "\"");
  }
}

}  // namespace berth::os
