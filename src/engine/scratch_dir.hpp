#pragma once

#include <optional>
#include <string>

#include "os/lock.hpp"

namespace berth::engine {

// A private directory "<tmp_root>/<prefix>-<random>", created 0700 and
// removed with its contents when the object goes away. Its flock on
// "<path>.lock" marks it in use, so remove_stale can tell the leftovers of a
// killed pull, push, save, load, commit or import from work in progress.
// Each new ScratchDir first removes such leftovers.
class ScratchDir {
 public:
  ScratchDir(const std::string& tmp_root, const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

  // Removes every scratch directory under tmp_root whose lock no process
  // holds.
  static void remove_stale(const std::string& tmp_root);

 private:
  std::string path_;
  std::optional<os::FileLock> lock_;
};

}  // namespace berth::engine
