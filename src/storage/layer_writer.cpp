#include "storage/layer_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/log.hpp"

namespace berth::storage {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
// overlayfs keeps its own metadata under this prefix; a layer must not set it.
constexpr std::string_view kOverlayXattrPrefix = "trusted.overlay.";

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Removes parent/name, a directory with all its contents, without following
// symlinks. A missing name is not an error.
void remove_at(int parent, const std::string& name) {
  if (::unlinkat(parent, name.c_str(), 0) == 0 || errno == ENOENT) return;
  if (errno != EISDIR) fail_errno(errno, "removing " + in_quotes(name));
  os::Fd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) fail_errno(errno, "opening directory " + in_quotes(name));
  DIR* stream = ::fdopendir(::dup(dir.get()));
  if (stream == nullptr) fail_errno(errno, "listing directory " + in_quotes(name));
  std::vector<std::string> children;
  while (dirent* child = ::readdir(stream)) {
    std::string_view child_name = child->d_name;
    if (child_name != "." && child_name != "..") children.emplace_back(child_name);
  }
  ::closedir(stream);
  for (const auto& child : children) remove_at(dir.get(), child);
  if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0) {
    fail_errno(errno, "removing directory " + in_quotes(name));
  }
}

std::pair<std::string, std::string> split_parent(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

bool entry_times(archive_entry* entry, timespec times[2]) {
  if (!archive_entry_mtime_is_set(entry)) return false;
  times[1] = {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
  times[0] = times[1];
  if (archive_entry_atime_is_set(entry)) {
    times[0] = {archive_entry_atime(entry), archive_entry_atime_nsec(entry)};
  }
  return true;
}

mode_t entry_permissions(archive_entry* entry) { return archive_entry_mode(entry) & 07777; }

// Calls set(name, value, size) for each xattr of entry that a layer may set,
// and skips the ones the file system does not support.
template <typename SetXattr>
void for_each_xattr(archive_entry* entry, const std::string& path, SetXattr set) {
  archive_entry_xattr_reset(entry);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view key = name;
    if (key.starts_with(kOverlayXattrPrefix)) {
      spdlog::debug("layer entry {}: ignoring xattr {}", in_quotes(path), key);
      continue;
    }
    if (set(name, value, size) == 0) continue;
    if (errno == EOPNOTSUPP) {
      spdlog::debug("layer entry {}: file system does not support xattr {}", in_quotes(path), key);
      continue;
    }
    fail_errno(errno, "layer entry " + in_quotes(path) + ": setting xattr " + in_quotes(key));
  }
}

}  // namespace

int open_beneath(int dirfd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EINTR);
  return static_cast<int>(fd);
}

std::optional<std::string> clean_entry_path(std::string_view name) {
  std::vector<std::string_view> parts;
  while (!name.empty()) {
    auto slash = name.find('/');
    std::string_view part = name.substr(0, slash);
    name = slash == std::string_view::npos ? std::string_view() : name.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string path;
  for (auto part : parts) {
    if (!path.empty()) path += '/';
    path += part;
  }
  return path;
}

LayerWriter::LayerWriter(const std::string& target_dir)
    : root_(::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      // NOTE: without root, files keep the extracting user as owner; rootless
      // storage would need the layer's ids mapped into a user namespace.
      set_owner_(::geteuid() == 0) {
  if (!root_) fail_errno(errno, "opening layer directory " + in_quotes(target_dir));
}

void LayerWriter::write_entry(archive* reader, archive_entry* entry) {
  const char* raw_name = archive_entry_pathname(entry);
  if (raw_name == nullptr) {
    fail(ErrorCode::kInvalidArgument, "layer entry has no path name that can be read");
  }
  auto cleaned = clean_entry_path(raw_name);
  if (!cleaned) {
    fail(ErrorCode::kInvalidArgument, "layer entry {} escapes the layer root", in_quotes(raw_name));
  }
  const std::string& path = *cleaned;
  if (path.empty()) {
    write_root(entry);
    return;
  }
  forget_cached_parent(path);
  auto [parent_path, name] = split_parent(path);
  int parent = parent_dir(parent_path, path);

  if (std::string_view(name).starts_with(kWhiteoutPrefix)) {
    write_whiteout(parent, name, path);
    return;
  }
  if (const char* link_name = archive_entry_hardlink(entry)) {
    write_hardlink(parent, name, path, link_name);
    return;
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
      write_regular(reader, entry, parent, name, path);
      break;
    case AE_IFDIR:
      write_directory(entry, parent, name, path);
      break;
    case AE_IFLNK:
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      write_special(entry, parent, name, path);
      break;
    default:
      spdlog::debug("layer entry {}: skipping file type {:o}", in_quotes(path),
                    archive_entry_filetype(entry));
  }
}

void LayerWriter::forget_cached_parent(const std::string& path) {
  // An entry at or above the cached directory may replace it on disk.
  if (cached_path_ == path ||
      (cached_path_.starts_with(path) && cached_path_.size() > path.size() &&
       cached_path_[path.size()] == '/')) {
    cached_dir_.reset();
    cached_path_.clear();
  }
}

int LayerWriter::parent_dir(const std::string& rel, const std::string& entry) {
  if (rel.empty()) return root_.get();
  if (cached_dir_ && cached_path_ == rel) return cached_dir_.get();
  cached_dir_ = open_dir(rel, entry, true);
  cached_path_ = rel;
  return cached_dir_.get();
}

os::Fd LayerWriter::open_dir(const std::string& rel, const std::string& entry, bool create) {
  if (rel.empty()) return os::Fd(::dup(root_.get()));
  os::Fd dir(open_beneath(root_.get(), rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  if (dir) return dir;
  if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR) {
    fail_errno(errno, "layer entry " + in_quotes(entry) + ": opening directory " + in_quotes(rel));
  }
  // Walk one component at a time to create what is missing and to name the
  // component that is a symlink or not a directory.
  os::Fd current(::dup(root_.get()));
  std::string walked;
  std::string_view rest = rel;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string part(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    walked += walked.empty() ? part : "/" + part;
    os::Fd next(open_beneath(current.get(), part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    if (!next && errno == ENOENT && create) {
      if (::mkdirat(current.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
        fail_errno(errno,
                   "layer entry " + in_quotes(entry) + ": creating directory " + in_quotes(walked));
      }
      next.reset(open_beneath(current.get(), part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      // mkdirat applied the umask; parents that the layer leaves out get 0755.
      if (next && ::fchmod(next.get(), 0755) != 0) {
        fail_errno(errno, "layer entry " + in_quotes(entry) + ": chmod " + in_quotes(walked));
      }
    }
    if (!next) {
      int err = errno;
      // O_NOFOLLOW | O_DIRECTORY reports a symlink as ENOTDIR; tell them apart.
      struct stat st;
      if ((err == ENOTDIR || err == ELOOP) &&
          ::fstatat(current.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        err = ELOOP;
      }
      if (err == ENOENT) {
        fail(ErrorCode::kInvalidArgument, "layer entry {}: directory {} is not in the layer",
             in_quotes(entry), in_quotes(walked));
      }
      if (err == ELOOP || err == EXDEV) {
        fail(ErrorCode::kInvalidArgument, "layer entry {} goes through symlink {}",
             in_quotes(entry), in_quotes(walked));
      }
      if (err == ENOTDIR) {
        fail(ErrorCode::kInvalidArgument, "layer entry {}: {} is not a directory", in_quotes(entry),
             in_quotes(walked));
      }
      fail_errno(err,
                 "layer entry " + in_quotes(entry) + ": opening directory " + in_quotes(walked));
    }
    current = std::move(next);
  }
  return current;
}

void LayerWriter::write_root(archive_entry* entry) {
  if (archive_entry_filetype(entry) != AE_IFDIR) {
    fail(ErrorCode::kInvalidArgument, "layer entry {} for the layer root is not a directory",
         in_quotes(archive_entry_pathname(entry)));
  }
  apply_metadata(root_.get(), entry, "/");
  defer_dir_times(entry, "");
}

void LayerWriter::write_whiteout(int parent, const std::string& name, const std::string& entry) {
  if (name == kOpaqueMarker) {
    if (::fsetxattr(parent, "trusted.overlay.opaque", "y", 1, 0) != 0) {
      fail_errno(errno, "layer entry " + in_quotes(entry) +
                            ": marking directory opaque (the storage file system must support "
                            "trusted.* xattrs)");
    }
    return;
  }
  if (std::string_view(name).starts_with(kMetaPrefix)) {
    spdlog::debug("layer entry {}: ignoring whiteout metadata entry", in_quotes(entry));
    return;
  }
  std::string hidden = name.substr(kWhiteoutPrefix.size());
  if (hidden.empty() || hidden == "." || hidden == "..") {
    fail(ErrorCode::kInvalidArgument, "layer entry {} is an invalid whiteout", in_quotes(entry));
  }
  remove_at(parent, hidden);
  // overlayfs reads a 0/0 character device as "deleted in this layer".
  if (::mknodat(parent, hidden.c_str(), S_IFCHR, ::makedev(0, 0)) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(entry) + ": creating whiteout");
  }
}

void LayerWriter::write_hardlink(int parent, const std::string& name, const std::string& entry,
                                 const char* link_name) {
  auto target = clean_entry_path(link_name);
  if (!target) {
    fail(ErrorCode::kInvalidArgument, "layer entry {} links to {}, which escapes the layer root",
         in_quotes(entry), in_quotes(link_name));
  }
  if (target->empty()) {
    fail(ErrorCode::kInvalidArgument, "layer entry {} links to the layer root", in_quotes(entry));
  }
  if (*target == entry) return;
  auto [target_parent_path, target_name] = split_parent(*target);
  os::Fd target_parent = open_dir(target_parent_path, entry, false);
  struct stat st;
  if (::fstatat(target_parent.get(), target_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    fail(ErrorCode::kInvalidArgument,
         "layer entry {} links to {}, which is not earlier in the layer", in_quotes(entry),
         in_quotes(link_name));
  }
  remove_at(parent, name);
  // Flags 0: when the target is a symlink, the new name links the symlink
  // itself and never the file it points to.
  if (::linkat(target_parent.get(), target_name.c_str(), parent, name.c_str(), 0) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(entry) + ": linking to " + in_quotes(link_name));
  }
}

void LayerWriter::write_regular(archive* reader, archive_entry* entry, int parent,
                                const std::string& name, const std::string& path) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  os::Fd file(::openat(parent, name.c_str(), kFlags, 0600));
  if (!file && errno == EEXIST) {
    remove_at(parent, name);
    file.reset(::openat(parent, name.c_str(), kFlags, 0600));
  }
  if (!file) fail_errno(errno, "layer entry " + in_quotes(path) + ": creating file");

  const void* block;
  size_t size;
  la_int64_t offset;
  la_int64_t end = 0;
  for (;;) {
    int status = archive_read_data_block(reader, &block, &size, &offset);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      const char* message = archive_error_string(reader);
      fail(ErrorCode::kInvalidArgument, "layer entry {}: reading data: {}", in_quotes(path),
           message ? message : "unknown error");
    }
    // pwrite at the block's offset leaves the holes of a sparse file.
    const char* data = static_cast<const char*>(block);
    while (size > 0) {
      ssize_t written = ::pwrite(file.get(), data, size, offset);
      if (written < 0) {
        if (errno == EINTR) continue;
        fail_errno(errno, "layer entry " + in_quotes(path) + ": writing");
      }
      data += written;
      size -= static_cast<size_t>(written);
      offset += written;
    }
    end = offset;
  }
  if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > end) {
    if (::ftruncate(file.get(), archive_entry_size(entry)) != 0) {
      fail_errno(errno, "layer entry " + in_quotes(path) + ": setting size");
    }
  }
  apply_metadata(file.get(), entry, path);
  timespec times[2];
  if (entry_times(entry, times) && ::futimens(file.get(), times) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(path) + ": setting times");
  }
}

void LayerWriter::write_directory(archive_entry* entry, int parent, const std::string& name,
                                  const std::string& path) {
  if (::mkdirat(parent, name.c_str(), 0700) != 0) {
    if (errno != EEXIST)
      fail_errno(errno, "layer entry " + in_quotes(path) + ": creating directory");
    struct stat st;
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
      remove_at(parent, name);
      if (::mkdirat(parent, name.c_str(), 0700) != 0) {
        fail_errno(errno, "layer entry " + in_quotes(path) + ": creating directory");
      }
    }
  }
  os::Fd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) fail_errno(errno, "layer entry " + in_quotes(path) + ": opening directory");
  apply_metadata(dir.get(), entry, path);
  defer_dir_times(entry, path);
}

void LayerWriter::write_special(archive_entry* entry, int parent, const std::string& name,
                                const std::string& path) {
  remove_at(parent, name);
  auto type = archive_entry_filetype(entry);
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    // The target is stored as written: nothing here ever follows it.
    if (::symlinkat(target ? target : "", parent, name.c_str()) != 0) {
      fail_errno(errno, "layer entry " + in_quotes(path) + ": creating symlink");
    }
  } else {
    dev_t device = type == AE_IFIFO ? 0 : archive_entry_rdev(entry);
    if (::mknodat(parent, name.c_str(), static_cast<mode_t>(type) | 0600, device) != 0) {
      fail_errno(errno, "layer entry " + in_quotes(path) + ": creating device or fifo");
    }
  }
  apply_metadata_at(parent, name, entry, path, type == AE_IFLNK);
}

void LayerWriter::apply_metadata(int fd, archive_entry* entry, const std::string& path) {
  if (set_owner_ && ::fchown(fd, archive_entry_uid(entry), archive_entry_gid(entry)) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(path) + ": setting owner");
  }
  // chown clears the setuid and setgid bits, so the mode comes after it.
  if (::fchmod(fd, entry_permissions(entry)) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(path) + ": setting mode");
  }
  for_each_xattr(entry, path, [fd](const char* name, const void* value, size_t size) {
    return ::fsetxattr(fd, name, value, size, 0);
  });
}

void LayerWriter::apply_metadata_at(int parent, const std::string& name, archive_entry* entry,
                                    const std::string& path, bool is_symlink) {
  if (set_owner_ && ::fchownat(parent, name.c_str(), archive_entry_uid(entry),
                               archive_entry_gid(entry), AT_SYMLINK_NOFOLLOW) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(path) + ": setting owner");
  }
  // Linux has no symlink modes. The node was just created by this process in
  // a directory no one else writes to, so fchmodat reaches that node.
  if (!is_symlink && ::fchmodat(parent, name.c_str(), entry_permissions(entry), 0) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(path) + ": setting mode");
  }
  // No fd-based call sets xattrs on a symlink; the /proc path of the trusted
  // parent fd plus lsetxattr reaches it without following it.
  std::string proc_path = "/proc/self/fd/" + std::to_string(parent) + "/" + name;
  for_each_xattr(entry, path, [&proc_path](const char* key, const void* value, size_t size) {
    return ::lsetxattr(proc_path.c_str(), key, value, size, 0);
  });
  timespec times[2];
  if (entry_times(entry, times) &&
      ::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    fail_errno(errno, "layer entry " + in_quotes(path) + ": setting times");
  }
}

void LayerWriter::defer_dir_times(archive_entry* entry, const std::string& path) {
  DirTimes item{path, {}};
  if (entry_times(entry, item.times)) dir_times_.push_back(std::move(item));
}

void LayerWriter::finish() {
  cached_dir_.reset();
  cached_path_.clear();
  for (const auto& item : dir_times_) {
    os::Fd dir;
    if (!item.path.empty()) {
      dir.reset(open_beneath(root_.get(), item.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      // A later entry replaced the directory: it has no times to restore.
      if (!dir) continue;
    }
    int fd = item.path.empty() ? root_.get() : dir.get();
    if (::futimens(fd, item.times) != 0) {
      fail_errno(errno, "layer entry " + in_quotes(item.path) + ": setting times");
    }
  }
  dir_times_.clear();
}

}  // namespace berth::storage
