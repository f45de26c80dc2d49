#include "storage/layer_stack.hpp"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "common/error.hpp"
#include "storage/layer_writer.hpp"

namespace berth::storage {

namespace {

// Stats path beneath the layer directory layer_fd without following any
// symlink. Returns false when it is absent or lies behind a symlink.
bool stat_in_layer(int layer_fd, const std::string& path, struct stat& st) {
  os::Fd fd(open_beneath(layer_fd, path, O_PATH | O_NOFOLLOW));
  return fd && ::fstat(fd.get(), &st) == 0;
}

}  // namespace

std::vector<os::Fd> open_layer_dirs(const std::vector<std::string>& dirs) {
  std::vector<os::Fd> fds;
  for (const auto& dir : dirs) {
    os::Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) fail_errno(errno, "opening layer directory \"" + dir + "\"");
    fds.push_back(std::move(fd));
  }
  return fds;
}

bool is_whiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool is_opaque_dir(int layer_fd, const std::string& path) {
  os::Fd fd(open_beneath(layer_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  if (!fd) return false;
  char value[2] = {};
  ssize_t n = ::fgetxattr(fd.get(), "trusted.overlay.opaque", value, sizeof value);
  return n == 1 && value[0] == 'y';
}

bool exists_in_layers(const std::vector<os::Fd>& layer_fds, const std::string& path) {
  for (const auto& layer : layer_fds) {
    struct stat st;
    if (stat_in_layer(layer.get(), path, st)) return !is_whiteout(st);
    for (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0;
         slash = path.rfind('/', slash - 1)) {
      std::string ancestor = path.substr(0, slash);
      if (!stat_in_layer(layer.get(), ancestor, st)) continue;
      if (is_whiteout(st) || is_opaque_dir(layer.get(), ancestor)) return false;
    }
  }
  return false;
}

}  // namespace berth::storage
