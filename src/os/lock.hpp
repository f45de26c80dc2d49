#pragma once

#include <string>

#include "os/fd.hpp"

namespace berth::os {

// An exclusive flock(2) on a lock file, released on destruction. The file
// is created if missing. Blocks until the lock is taken.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

 private:
  Fd fd_;
};

}  // namespace berth::os
