#pragma once

#include <string>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::engine {

// A private directory "<parent>/<prefix>-<random>", created 0700 and
// removed with its contents when the object goes out of scope.
// NOTE: unlike a pull's download directory it has no lock file, so the
// directory of a killed save or load stays until someone removes it.
class ScratchDir {
 public:
  ScratchDir(const std::string& parent, const std::string& prefix)
      : path_(parent + "/" + prefix + "-" + random_id().substr(0, 16)) {
    os::make_dirs(path_, 0700);
  }
  ~ScratchDir() {
    try {
      os::remove_all(path_);
    } catch (const Error& e) {
      spdlog::debug("removing scratch directory: {}", e.what());
    }
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace berth::engine
