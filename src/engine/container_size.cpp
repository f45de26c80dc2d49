// ps --size: the bytes a container wrote and its root file system's size.

#include <filesystem>
#include <system_error>

#include "container/operations.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

namespace {

// Adds up the sizes of the non-directories under dir, without following
// symlinks. A running container changes its upper directory, so entries
// that vanish during the walk count as 0 bytes.
std::int64_t tree_size(const std::string& dir) {
  namespace fs = std::filesystem;
  std::int64_t total = 0;
  std::error_code error;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code status_error;
    auto status = it->symlink_status(status_error);
    if (status_error || fs::is_directory(status)) continue;
    if (fs::is_symlink(status)) {
      total += static_cast<std::int64_t>(fs::read_symlink(it->path(), status_error).native().size());
      continue;
    }
    auto size = it->file_size(status_error);
    if (!status_error) total += static_cast<std::int64_t>(size);
  }
  return total;
}

}  // namespace

ContainerSize LocalEngine::container_size(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  ContainerSize size;
  // The container's writes land in the overlay upper directory "diff".
  size.rw_size = tree_size(ctx_.paths().container_dir(record.id) + "/diff");
  auto image = ctx_.db().get_image(record.image_id);
  size.rootfs_size = size.rw_size + (image ? image->size : 0);
  return size;
}

}  // namespace berth::engine
