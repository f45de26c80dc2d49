#pragma once

#include <optional>
#include <string>

#include "os/fd.hpp"

namespace berth::os {

// A flock(2) on a lock file, exclusive unless shared is set, released on
// destruction. The file is created if missing. Blocks until it is taken.
class FileLock {
 public:
  explicit FileLock(const std::string& path, bool shared = false);
  // Adopts an fd that already holds the lock.
  explicit FileLock(Fd fd) : fd_(std::move(fd)) {}
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

 private:
  Fd fd_;
};

}  // namespace berth::os

namespace berth::os {

// Takes an exclusive flock(2) on path without waiting. Returns nullopt when
// another process holds it.
std::optional<FileLock> try_lock(const std::string& path);

}  // namespace berth::os
