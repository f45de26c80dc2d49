#include "engine/scratch_dir.hpp"

#include <unistd.h>

#include <filesystem>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::engine {

ScratchDir::ScratchDir(const std::string& tmp_root, const std::string& prefix)
    : path_(tmp_root + "/" + prefix + "-" + random_id().substr(0, 16)) {
  os::make_dirs(tmp_root, 0700);
  remove_stale(tmp_root);
  lock_ = os::try_lock(path_ + ".lock");
  if (!lock_) fail(ErrorCode::kConflict, "scratch directory \"{}\" is in use: retry", path_);
  os::make_dirs(path_, 0700);
}

ScratchDir::~ScratchDir() {
  try {
    os::remove_all(path_);
    ::unlink((path_ + ".lock").c_str());
  } catch (const Error& e) {
    spdlog::debug("removing scratch directory \"{}\": {}", path_, e.what());
  }
}

void ScratchDir::remove_stale(const std::string& tmp_root) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tmp_root, ec)) {
    std::string path = entry.path().string();
    if (!path.ends_with(".lock")) continue;
    auto lock = os::try_lock(path);
    if (!lock) continue;  // in use
    std::string dir = path.substr(0, path.size() - 5);
    spdlog::debug("removing the leftovers of an interrupted command: {}", dir);
    try {
      os::remove_all(dir);
      ::unlink(path.c_str());
    } catch (const Error& e) {
      spdlog::debug("removing {}: {}", dir, e.what());
    }
  }
}

}  // namespace berth::engine
