#include "container/copy_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <deque>
#include <optional>

#include "common/error.hpp"
#include "os/fd.hpp"

namespace berth::container {

namespace {

// Linux gives up with ELOOP after as many symlinks in one lookup.
constexpr int kMaxSymlinks = 40;

std::vector<std::string> split_components(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

std::string join_components(const std::vector<std::string>& parts) {
  std::string path;
  for (const auto& part : parts) path += "/" + part;
  return path.empty() ? "/" : path;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Returns the mount that contains the clean container path: the one with the
// longest destination that is path or a parent of it, and of those the
// last, which hides the others. Returns nullptr for the root file system.
const CopyMount* holding_mount(const std::vector<CopyMount>& mounts, const std::string& path) {
  const CopyMount* best = nullptr;
  for (const auto& mount : mounts) {
    const std::string& dest = mount.destination;
    if (dest.empty() || dest == "/") continue;
    bool inside = path == dest || path.starts_with(dest + "/");
    if (inside && (!best || dest.size() >= best->destination.size())) best = &mount;
  }
  return best;
}

// Maps the clean container path onto the host tree that contains it.
CopyLocation locate(const std::string& rootfs, const std::vector<CopyMount>& mounts,
                    const std::string& path) {
  CopyLocation location;
  const CopyMount* mount = holding_mount(mounts, path);
  if (!mount) {
    location.root = rootfs;
    location.path = path;
    return location;
  }
  location.mount_destination = mount->destination;
  location.read_only = mount->read_only;
  std::string rest = path.substr(mount->destination.size());  // "" or "/..."
  if (mount->source.empty() || is_directory(mount->source)) {
    location.root = mount->source;
    location.path = rest.empty() ? "/" : rest;
    return location;
  }
  // A file bind mount: its parent directory is the root, and only the file
  // itself is named inside it.
  auto slash = mount->source.rfind('/');
  location.root = slash == 0 ? "/" : mount->source.substr(0, slash);
  location.path = mount->source.substr(slash) + rest;
  return location;
}

// Opens path inside root_fd without following its last component. Returns
// an invalid Fd with errno set on failure.
os::Fd open_no_follow(int root_fd, const std::string& path) {
  open_how how{};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return os::Fd(
      static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how)));
}

// Returns the target of the symlink at container path, or nullopt when the
// path is missing or not a symlink. An unreachable mount (no host source)
// is taken as containing no symlinks.
std::optional<std::string> read_symlink(const CopyLocation& location,
                                        const std::string& container_path) {
  if (location.root.empty()) return std::nullopt;
  os::Fd root(::open(location.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno(errno, "opening \"" + location.root + "\"");
  os::Fd fd = open_no_follow(root.get(), location.path);
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail_errno(errno, "opening \"" + container_path + "\"");
  }
  struct stat st;
  if (::fstatat(fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    fail_errno(errno, "reading \"" + container_path + "\"");
  }
  if (!S_ISLNK(st.st_mode)) return std::nullopt;
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlinkat(fd.get(), "", target.data(), target.size());
  if (n < 0) fail_errno(errno, "reading symlink \"" + container_path + "\"");
  target.resize(static_cast<std::size_t>(n));
  return target;
}

}  // namespace

CopyLocation resolve_container_path(const std::string& rootfs,
                                    const std::vector<CopyMount>& mounts, const std::string& path,
                                    bool follow_last) {
  auto parts = split_components(path);
  std::deque<std::string> pending(parts.begin(), parts.end());
  std::vector<std::string> resolved;
  int symlinks = 0;
  while (!pending.empty()) {
    std::string part = pending.front();
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(part);
    bool last = std::all_of(pending.begin(), pending.end(), [](const auto& p) { return p == "."; });
    if (last && !follow_last) continue;
    std::string current = join_components(resolved);
    auto target = read_symlink(locate(rootfs, mounts, current), current);
    if (!target) continue;
    if (++symlinks > kMaxSymlinks) {
      fail(ErrorCode::kInvalidArgument, "resolving \"{}\": too many levels of symbolic links",
           path);
    }
    resolved.pop_back();
    if (target->starts_with("/")) resolved.clear();
    auto target_parts = split_components(*target);
    pending.insert(pending.begin(), target_parts.begin(), target_parts.end());
  }

  CopyLocation location = locate(rootfs, mounts, join_components(resolved));
  if (path.ends_with("/.") || path == ".") {
    location.path += location.path.ends_with("/") ? "." : "/.";
  } else if (path.ends_with("/") && !location.path.ends_with("/")) {
    location.path += "/";
  }
  return location;
}

}  // namespace berth::container
