#include "storage/diff_tar.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"
#include "storage/hashing_writer.hpp"
#include "storage/tar_writer.hpp"

namespace berth::storage {

namespace {

constexpr std::string_view kOpaqueXattr = "trusted.overlay.opaque";
constexpr std::string_view kOverlayXattrPrefix = "trusted.overlay.";
constexpr std::size_t kCopyBufferSize = 1024 * 1024;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::vector<std::string> sorted_names(int dir, const std::string& path) {
  DIR* stream = ::fdopendir(::dup(dir));
  if (stream == nullptr) fail_errno(errno, "listing directory " + in_quotes(path));
  std::vector<std::string> names;
  errno = 0;
  while (dirent* child = ::readdir(stream)) {
    std::string_view name = child->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int err = errno;
  ::closedir(stream);
  if (err != 0) fail_errno(err, "listing directory " + in_quotes(path));
  std::sort(names.begin(), names.end());
  return names;
}

// Returns the value of an xattr of parent/name, without following a
// symlink, or nullopt when it is not set.
std::optional<std::string> get_xattr(const std::string& proc_path, const char* key) {
  for (;;) {
    ssize_t size = ::lgetxattr(proc_path.c_str(), key, nullptr, 0);
    if (size < 0) {
      if (errno == ENODATA || errno == EOPNOTSUPP) return std::nullopt;
      fail_errno(errno, "reading xattr " + in_quotes(key));
    }
    std::string value(static_cast<std::size_t>(size), '\0');
    size = ::lgetxattr(proc_path.c_str(), key, value.data(), value.size());
    if (size >= 0) {
      value.resize(static_cast<std::size_t>(size));
      return value;
    }
    if (errno != ERANGE) fail_errno(errno, "reading xattr " + in_quotes(key));
    // The value grew between the two calls: ask again.
  }
}

std::vector<std::string> list_xattrs(const std::string& proc_path) {
  for (;;) {
    ssize_t size = ::llistxattr(proc_path.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == EOPNOTSUPP) return {};
      fail_errno(errno, "listing xattrs");
    }
    std::string names(static_cast<std::size_t>(size), '\0');
    size = ::llistxattr(proc_path.c_str(), names.data(), names.size());
    if (size < 0) {
      if (errno == ERANGE) continue;
      fail_errno(errno, "listing xattrs");
    }
    std::vector<std::string> keys;
    std::string_view rest(names.data(), static_cast<std::size_t>(size));
    while (!rest.empty()) {
      std::string_view key = rest.substr(0, rest.find('\0'));
      if (!key.empty()) keys.emplace_back(key);
      rest.remove_prefix(std::min(rest.size(), key.size() + 1));
    }
    return keys;
  }
}

class DiffTarWriter {
 public:
  DiffTarWriter(int fd, const std::set<std::string>& mount_points)
      : output_(fd),
        tar_([this](std::string_view data) { output_.write(data); }),
        mount_points_(mount_points) {}

  // Adds the entries of the directory dir, whose path in the layer is rel.
  void add_directory_contents(int dir, const std::string& rel) {
    for (const auto& name : sorted_names(dir, rel.empty() ? "/" : rel)) {
      std::string path = rel.empty() ? name : rel + "/" + name;
      if (only_mount_stubs(dir, name, path)) {
        spdlog::debug("layer tar: leaving out mount point {}", in_quotes(path));
        continue;
      }
      os::Fd child =
          with_context("layer path " + in_quotes(path), [&] { return add(dir, name, path); });
      if (child) add_directory_contents(child.get(), path);
    }
  }

  std::string finish() {
    tar_.finish();
    output_.flush();
    return output_.digest();
  }

 private:
  // Returns whether parent/name is a mount point stub or a directory that
  // contains nothing but such stubs (see write_diff_tar).
  bool only_mount_stubs(int parent, const std::string& name, const std::string& path) {
    if (mount_points_.empty()) return false;
    bool is_mount_point = mount_points_.count(path) != 0;
    auto below = mount_points_.lower_bound(path + "/");
    bool is_parent = below != mount_points_.end() && below->starts_with(path + "/");
    if (!is_mount_point && !is_parent) return false;
    struct stat st;
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
    if (S_ISREG(st.st_mode)) return is_mount_point && st.st_size == 0;
    if (!S_ISDIR(st.st_mode)) return false;
    std::string proc_path = "/proc/self/fd/" + std::to_string(parent) + "/" + name;
    if (get_xattr(proc_path, kOpaqueXattr.data()) == "y") return false;
    os::Fd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return false;
    for (const auto& child : sorted_names(dir.get(), path)) {
      if (!only_mount_stubs(dir.get(), child, path + "/" + child)) return false;
    }
    return true;
  }

  // Adds parent/name and returns it opened when it is a directory whose
  // contents come next.
  os::Fd add(int parent, const std::string& name, const std::string& path) {
    struct stat st;
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      fail_errno(errno, "stat");
    }
    std::string proc_path = "/proc/self/fd/" + std::to_string(parent) + "/" + name;
    TarWriterEntry entry;
    entry.path = path;
    entry.permissions = st.st_mode & 07777;
    entry.uid = st.st_uid;
    entry.gid = st.st_gid;
    // Whole seconds, as most layer tars carry: subseconds would add a pax
    // header to nearly every entry.
    entry.mtime = st.st_mtim.tv_sec;

    if (S_ISCHR(st.st_mode) && st.st_rdev == ::makedev(0, 0)) {
      auto slash = path.rfind('/');
      std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
      entry.path = dir + ".wh." + name;
      tar_.write_header(entry);
      return {};
    }
    switch (st.st_mode & S_IFMT) {
      case S_IFREG:
        add_regular(parent, name, st, proc_path, entry);
        return {};
      case S_IFLNK:
        entry.type = '2';
        entry.link_target = read_symlink(parent, name, st);
        break;
      case S_IFCHR:
      case S_IFBLK:
        entry.type = S_ISCHR(st.st_mode) ? '3' : '4';
        entry.device_major = ::major(st.st_rdev);
        entry.device_minor = ::minor(st.st_rdev);
        break;
      case S_IFIFO:
        entry.type = '6';
        break;
      case S_IFDIR:
        entry.type = '5';
        break;
      default:
        spdlog::debug("layer tar: leaving out socket {}", in_quotes(path));
        return {};
    }
    entry.xattrs = layer_xattrs(proc_path);
    tar_.write_header(entry);

    if (entry.type != '5') return {};
    if (get_xattr(proc_path, kOpaqueXattr.data()) == "y") {
      TarWriterEntry marker;
      marker.path = path + "/.wh..wh..opq";
      marker.permissions = 0;
      marker.mtime = entry.mtime;
      tar_.write_header(marker);
    }
    os::Fd child(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child) fail_errno(errno, "opening directory");
    return child;
  }

  void add_regular(int parent, const std::string& name, const struct stat& st,
                   const std::string& proc_path, TarWriterEntry& entry) {
    if (st.st_nlink > 1) {
      auto [link, inserted] = links_.try_emplace({st.st_dev, st.st_ino}, entry.path);
      if (!inserted) {
        entry.type = '1';
        entry.link_target = link->second;
        tar_.write_header(entry);
        return;
      }
    }
    os::Fd file(::openat(parent, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!file) fail_errno(errno, "opening");
    entry.size = static_cast<std::uint64_t>(st.st_size);
    entry.xattrs = layer_xattrs(proc_path);
    tar_.write_header(entry);
    std::uint64_t left = entry.size;
    while (left > 0) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_.size()));
      ssize_t n = ::read(file.get(), buffer_.data(), want);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail_errno(errno, "reading");
      }
      if (n == 0) {
        fail(ErrorCode::kConflict,
             "file became shorter while it was read: retry when nothing changes the layer");
      }
      tar_.write_data({buffer_.data(), static_cast<std::size_t>(n)});
      left -= static_cast<std::uint64_t>(n);
    }
  }

  static std::string read_symlink(int parent, const std::string& name, const struct stat& st) {
    std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
    ssize_t length = ::readlinkat(parent, name.c_str(), target.data(), target.size());
    if (length < 0) fail_errno(errno, "reading symlink");
    target.resize(static_cast<std::size_t>(length));
    return target;
  }

  // Returns the xattrs a layer may carry: all but overlayfs's own.
  static std::vector<std::pair<std::string, std::string>> layer_xattrs(
      const std::string& proc_path) {
    std::vector<std::pair<std::string, std::string>> xattrs;
    for (const auto& key : list_xattrs(proc_path)) {
      if (std::string_view(key).starts_with(kOverlayXattrPrefix)) continue;
      auto value = get_xattr(proc_path, key.c_str());
      if (value) xattrs.emplace_back(key, std::move(*value));
    }
    return xattrs;
  }

  HashingWriter output_;
  TarWriter tar_;
  std::string buffer_ = std::string(kCopyBufferSize, '\0');
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // first path of each hardlinked file
  const std::set<std::string>& mount_points_;
};

}  // namespace

std::string write_diff_tar(const std::string& diff_dir, int fd) {
  return write_diff_tar(diff_dir, fd, {});
}

std::string write_diff_tar(const std::string& diff_dir, int fd,
                           const std::set<std::string>& mount_points) {
  os::Fd root = os::open_file(diff_dir, O_RDONLY | O_DIRECTORY);
  DiffTarWriter writer(fd, mount_points);
  writer.add_directory_contents(root.get(), "");
  return writer.finish();
}

}  // namespace berth::storage
