#include "os/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::os {

FileLock::FileLock(const std::string& path, bool shared) {
  fd_ = open_file(path, O_RDWR | O_CREAT, 0600);
  while (::flock(fd_.get(), shared ? LOCK_SH : LOCK_EX) != 0) {
    if (errno != EINTR) fail_errno(errno, "locking \"" + path + "\"");
  }
}

}  // namespace berth::os

namespace berth::os {

std::optional<FileLock> try_lock(const std::string& path) {
  Fd fd = open_file(path, O_RDWR | O_CREAT, 0600);
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::nullopt;
    if (errno != EINTR) fail_errno(errno, "locking \"" + path + "\"");
  }
  return FileLock(std::move(fd));
}

}  // namespace berth::os
