// diff of a container: its upper layer against its image's layers.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "container/config.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "os/fd.hpp"
#include "storage/layer_stack.hpp"
#include "storage/layer_store.hpp"
#include "storage/layer_writer.hpp"

namespace berth::engine {

using storage::exists_in_layers;
using storage::is_whiteout;

namespace {

// The paths (relative) that the runtime mounts over in every container. When
// the image lacks one, the runtime leaves an empty stub in the upper layer,
// which is no change of the container's own.
bool is_runtime_stub(const std::string& relative, const struct stat& st,
                     const std::set<std::string>& mount_points) {
  if (!mount_points.contains(relative)) return false;
  if (S_ISREG(st.st_mode)) return st.st_size == 0;
  return S_ISDIR(st.st_mode);
}

}  // namespace

std::vector<ImageChange> LocalEngine::container_diff(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  auto image = ctx_.db().get_image(record.image_id);
  if (!image) {
    fail(ErrorCode::kNotFound, "image {} of container {} is no longer in the store",
         record.image_id.substr(0, 12), record.name);
  }
  auto settings = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
  std::set<std::string> mount_points = {"dev",       "proc",          "sys",
                                        "etc/hosts", "etc/hostname",  "etc/resolv.conf",
                                        "run/.containerenv", "run/secrets"};
  for (const auto& volume : settings.volumes) {
    std::string path = volume.destination;
    while (path.starts_with("/")) path.erase(0, 1);
    while (path.ends_with("/")) path.pop_back();
    if (!path.empty()) mount_points.insert(path);
  }

  std::vector<std::string> lower_dirs;  // topmost first
  for (auto it = image->layers.rbegin(); it != image->layers.rend(); ++it) {
    lower_dirs.push_back(ctx_.layers().diff_path(*it));
  }
  auto lower = storage::open_layer_dirs(lower_dirs);

  std::string top = ctx_.paths().container_dir(record.id) + "/diff";
  std::vector<ImageChange> changes;
  std::set<std::string> stub_parents;  // directories that hold a runtime stub
  std::error_code ec;
  std::filesystem::recursive_directory_iterator walk(top, ec), end;
  if (ec) fail_errno(ec.value(), fmt::format("reading container directory \"{}\"", top));
  for (; walk != end; walk.increment(ec)) {
    if (ec) fail_errno(ec.value(), fmt::format("reading container directory \"{}\"", top));
    std::string relative = walk->path().lexically_relative(top).string();
    struct stat st;
    if (::lstat(walk->path().c_str(), &st) != 0) {
      fail_errno(errno, fmt::format("reading \"{}\"", walk->path().string()));
    }
    if (is_runtime_stub(relative, st, mount_points)) {
      if (S_ISDIR(st.st_mode)) walk.disable_recursion_pending();
      for (auto slash = relative.rfind('/'); slash != std::string::npos && slash > 0;
           slash = relative.rfind('/', slash - 1)) {
        stub_parents.insert("/" + relative.substr(0, slash));
      }
      continue;
    }
    char kind = 'A';
    if (is_whiteout(st)) {
      kind = 'D';
    } else if (exists_in_layers(lower, relative)) {
      kind = 'C';
    }
    // NOTE: an opaque directory is reported as itself only; the lower
    // files it hides are not listed as deleted.
    changes.push_back({kind, "/" + relative});
  }

  // A directory the runtime only touched to create a stub is no change.
  std::erase_if(changes, [&](const ImageChange& change) {
    if (!stub_parents.contains(change.path)) return false;
    std::string prefix = change.path + "/";
    return std::none_of(changes.begin(), changes.end(), [&](const ImageChange& other) {
      return other.path.starts_with(prefix);
    });
  });
  std::sort(changes.begin(), changes.end(),
            [](const ImageChange& a, const ImageChange& b) { return a.path < b.path; });
  return changes;
}

}  // namespace berth::engine
