// cp: tar streams out of and into a directory tree taken as a root.

#include "container/copy.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "storage/tar_writer.hpp"

namespace berth::container {

namespace {

os::Fd open_root(const std::string& root) {
  os::Fd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) fail_errno(errno, "opening root directory \"" + root + "\"");
  return fd;
}

// Opens path below root_fd as if root_fd were "/". Returns an invalid Fd
// with errno set on failure.
os::Fd open_in_root(int root_fd, const std::string& path, std::uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string relative = path.empty() ? "/" : path;
  return os::Fd(static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how,
                                           sizeof how)));
}

bool ends_with_slash_or_dot(const std::string& path) {
  return path.ends_with("/") || path.ends_with("/.") || path == ".";
}

// Returns path without trailing "/" and "/." parts; "/" stays "/".
std::string trim_trailing(std::string path) {
  for (;;) {
    if (path.size() > 1 && path.ends_with("/")) {
      path.pop_back();
    } else if (path.size() > 2 && path.ends_with("/.")) {
      path.resize(path.size() - 2);
    } else {
      return path;
    }
  }
}

std::string base_name(const std::string& path) {
  std::string trimmed = trim_trailing(path);
  auto slash = trimmed.rfind('/');
  std::string name = slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
  return name.empty() ? "." : name;
}

std::string parent_path(const std::string& path) {
  std::string trimmed = trim_trailing(path);
  auto slash = trimmed.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return trimmed.substr(0, slash);
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "writing the tar stream");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

struct stat stat_fd(int fd, const std::string& what) {
  struct stat st;
  if (::fstatat(fd, "", &st, AT_EMPTY_PATH) != 0) fail_errno(errno, "reading \"" + what + "\"");
  return st;
}

// Reopens an O_PATH fd for reading through /proc/self/fd. The link refers to
// the O_PATH fd's own inode, so no path is resolved again.
os::Fd reopen(int path_fd, int flags, const std::string& what) {
  std::string proc = "/proc/self/fd/" + std::to_string(path_fd);
  os::Fd fd(::open(proc.c_str(), flags | O_CLOEXEC));
  if (!fd) fail_errno(errno, "opening \"" + what + "\"");
  return fd;
}

// Walks a tree through O_PATH fds opened with O_NOFOLLOW below the start,
// and writes each entry to a TarWriter.
class TarSource {
 public:
  TarSource(int out_fd, const std::optional<CopyOwner>& owner)
      : writer_([out_fd](std::string_view data) { write_all(out_fd, data); }), owner_(owner) {}

  void add(int path_fd, const std::string& entry_path, const std::string& shown, bool skip_self) {
    struct stat st = stat_fd(path_fd, shown);
    if (!skip_self) {
      if (!write_entry(path_fd, entry_path, st, shown)) return;
    }
    if (!S_ISDIR(st.st_mode)) return;
    os::Fd dir = reopen(path_fd, O_RDONLY | O_DIRECTORY, shown);
    for (const auto& name : list_directory(dir.get(), shown)) {
      os::Fd child(::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!child) fail_errno(errno, "opening \"" + shown + "/" + name + "\"");
      std::string child_path = entry_path.empty() ? name : entry_path + "/" + name;
      add(child.get(), child_path, shown + "/" + name, false);
    }
  }

  void finish() { writer_.finish(); }

 private:
  static std::vector<std::string> list_directory(int dir_fd, const std::string& shown) {
    int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) fail_errno(errno, "reading directory \"" + shown + "\"");
    auto close_dir = [](DIR* d) { ::closedir(d); };
    std::unique_ptr<DIR, decltype(close_dir)> dir(::fdopendir(copy), close_dir);
    if (!dir) {
      ::close(copy);
      fail_errno(errno, "reading directory \"" + shown + "\"");
    }
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = ::readdir(dir.get())) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    if (errno != 0) fail_errno(errno, "reading directory \"" + shown + "\"");
    std::sort(names.begin(), names.end());
    return names;
  }

  // Returns false for an entry that is left out (a socket).
  bool write_entry(int path_fd, const std::string& entry_path, const struct stat& st,
                   const std::string& shown) {
    storage::TarWriterEntry entry;
    entry.path = entry_path;
    entry.permissions = st.st_mode & 07777;
    entry.uid = owner_ ? owner_->uid : st.st_uid;
    entry.gid = owner_ ? owner_->gid : st.st_gid;
    entry.mtime = st.st_mtim.tv_sec;
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto [it, inserted] = links_.emplace(std::make_pair(st.st_dev, st.st_ino), entry_path);
      if (!inserted) {
        entry.type = '1';
        entry.link_target = it->second;
        writer_.write_header(entry);
        return true;
      }
    }
    if (S_ISREG(st.st_mode)) {
      entry.type = '0';
      entry.size = static_cast<std::uint64_t>(st.st_size);
      os::Fd file = reopen(path_fd, O_RDONLY, shown);
      writer_.write_header(entry);
      copy_data(file.get(), entry.size, shown);
    } else if (S_ISDIR(st.st_mode)) {
      entry.type = '5';
      writer_.write_header(entry);
    } else if (S_ISLNK(st.st_mode)) {
      entry.type = '2';
      std::string target(PATH_MAX, '\0');
      ssize_t n = ::readlinkat(path_fd, "", target.data(), target.size());
      if (n < 0) fail_errno(errno, "reading symlink \"" + shown + "\"");
      target.resize(static_cast<std::size_t>(n));
      entry.link_target = target;
      writer_.write_header(entry);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      entry.type = S_ISCHR(st.st_mode) ? '3' : S_ISBLK(st.st_mode) ? '4' : '6';
      entry.device_major = major(st.st_rdev);
      entry.device_minor = minor(st.st_rdev);
      writer_.write_header(entry);
    } else {
      return false;
    }
    return true;
  }

  // Writes exactly size bytes: a file that shrank meanwhile is padded with
  // zeros and one that grew is cut, so the tar stays well formed.
  void copy_data(int fd, std::uint64_t size, const std::string& shown) {
    std::string buffer(256 * 1024, '\0');
    while (size > 0) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, buffer.size()));
      ssize_t n = ::read(fd, buffer.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(errno, "reading \"" + shown + "\"");
      if (n == 0) {
        std::fill(buffer.begin(), buffer.end(), '\0');
        n = static_cast<ssize_t>(want);
      }
      writer_.write_data({buffer.data(), static_cast<std::size_t>(n)});
      size -= static_cast<std::uint64_t>(n);
    }
  }

  storage::TarWriter writer_;
  std::optional<CopyOwner> owner_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

// Splits a tar entry name into a path relative to the extraction directory.
// Returns "" for the directory itself. Throws for a name with "..".
std::string clean_entry_name(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part == "..") {
      fail(ErrorCode::kInvalidArgument, "invalid tar entry \"{}\": \"..\" is not allowed", name);
    }
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "/") + part;
  return out;
}

std::string join_path(const std::string& dir, const std::string& relative) {
  if (relative.empty()) return dir;
  if (dir.empty() || dir.ends_with("/")) return dir + relative;
  return dir + "/" + relative;
}

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

class TarExtractor {
 public:
  TarExtractor(const std::string& root, std::string dest, const ExtractOptions& options)
      : root_(root), root_fd_(open_root(root)), dest_(std::move(dest)), options_(options) {}

  void extract(archive* reader, archive_entry* entry) {
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    std::string entry_name = clean_entry_name(name);
    mode_t type = archive_entry_filetype(entry);
    if (entry_name.empty()) {
      // "." or "/" names the destination directory itself, which stays as
      // it is; nothing may replace it.
      if (type == AE_IFDIR) return;
      fail(ErrorCode::kInvalidArgument,
           "invalid tar entry \"{}\": it names the destination directory \"{}\" itself, which a "
           "non-directory cannot replace",
           name, dest_);
    }
    std::string path = join_path(dest_, entry_name);
    if (trim_trailing(path) == "/") return;  // the root itself stays as it is
    Place at = place_of(path);
    if (trim_trailing(at.path) == "/") {
      // The entry is a mount point: the mount stays as it is.
      if (type == AE_IFDIR) return;
      fail(ErrorCode::kConflict, "cannot replace \"{}\": it is a mount point", path);
    }
    os::Fd parent = open_parent(at);
    std::string leaf = base_name(at.path);
    auto mode = static_cast<mode_t>(archive_entry_perm(entry)) & 07777;
    uid_t uid = options_.owner ? options_.owner->uid : static_cast<uid_t>(archive_entry_uid(entry));
    gid_t gid = options_.owner ? options_.owner->gid : static_cast<gid_t>(archive_entry_gid(entry));
    const char* hardlink = archive_entry_hardlink(entry);

    bool in_place = !hardlink && type == AE_IFREG && is_regular_file(parent.get(), leaf);
    if (!in_place) make_room(parent.get(), leaf, path, type == AE_IFDIR && !hardlink);
    if (hardlink) {
      std::string target = join_path(dest_, clean_entry_name(hardlink));
      Place target_at = place_of(target);
      std::string target_dir = parent_path(target_at.path);
      os::Fd target_parent = open_in_root(target_at.root_fd, target_dir, O_PATH | O_DIRECTORY);
      if (!target_parent) fail_errno(errno, "opening directory \"" + target_dir + "\"");
      if (::linkat(target_parent.get(), base_name(target_at.path).c_str(), parent.get(),
                   leaf.c_str(), 0) != 0) {
        fail_errno(errno, "linking \"" + path + "\" to \"" + target + "\"");
      }
      return;
    }
    if (type == AE_IFREG) {
      // A regular file is rewritten in place, so that a file bind mount
      // (a volume, or the /etc/hosts a start writes) keeps its inode.
      int flags = in_place ? O_TRUNC : O_CREAT | O_EXCL;
      os::Fd file(::openat(parent.get(), leaf.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | flags,
                           0600));
      if (!file) fail_errno(errno, "creating \"" + path + "\"");
      copy_data(reader, file.get(), path);
      set_attributes(file.get(), path, uid, gid, mode, entry);
    } else if (type == AE_IFDIR) {
      if (::mkdirat(parent.get(), leaf.c_str(), 0700) != 0 && errno != EEXIST) {
        fail_errno(errno, "creating directory \"" + path + "\"");
      }
      os::Fd dir(::openat(parent.get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir) fail_errno(errno, "opening directory \"" + path + "\"");
      set_attributes(dir.get(), path, uid, gid, mode, nullptr);
      // Directory times are set last, after their contents have changed them.
      directory_times_.push_back({at, archive_entry_mtime(entry)});
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (::symlinkat(target ? target : "", parent.get(), leaf.c_str()) != 0) {
        fail_errno(errno, "creating symlink \"" + path + "\"");
      }
      if (::fchownat(parent.get(), leaf.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
        fail_errno(errno, "changing the owner of \"" + path + "\"");
      }
    } else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
      dev_t device = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
      if (::mknodat(parent.get(), leaf.c_str(), type | 0600, device) != 0) {
        fail_errno(errno, "creating \"" + path + "\"");
      }
      os::Fd node(::openat(parent.get(), leaf.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!node) fail_errno(errno, "opening \"" + path + "\"");
      if (::fchownat(node.get(), "", uid, gid, AT_EMPTY_PATH) != 0) {
        fail_errno(errno, "changing the owner of \"" + path + "\"");
      }
      std::string proc = "/proc/self/fd/" + std::to_string(node.get());
      if (::chmod(proc.c_str(), mode) != 0) fail_errno(errno, "changing the mode of \"" + path + "\"");
    }
  }

  void finish() {
    for (auto it = directory_times_.rbegin(); it != directory_times_.rend(); ++it) {
      os::Fd dir = open_in_root(it->first.root_fd, it->first.path,
                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (!dir) continue;
      timespec times[2] = {{0, UTIME_OMIT}, {it->second, 0}};
      ::futimens(dir.get(), times);
    }
  }

 private:
  // The destination of an entry: a path inside an open root.
  struct Place {
    int root_fd;
    std::string path;
  };

  // Without mounts, path inside root. With them, the host place of the
  // container's path: inside a volume's directory, or a bind-mounted
  // file's own name in its host directory.
  Place place_of(const std::string& path) {
    if (options_.mounts.empty()) return {root_fd_.get(), path};
    CopyLocation location = resolve_container_path(root_, options_.mounts, path, false);
    if (location.root.empty()) {
      fail(ErrorCode::kConflict,
           "cannot copy to \"{}\": mount \"{}\" (tmpfs, image, overlay or device volume) is only "
           "reachable inside the container: stop it first or copy with exec",
           path, location.mount_destination);
    }
    if (location.read_only) {
      fail(ErrorCode::kPermissionDenied, "copying to \"{}\": mount \"{}\" is read-only: read-only "
           "file system", path, location.mount_destination);
    }
    if (location.mount_destination.empty()) return {root_fd_.get(), location.path};
    auto [it, added] = mount_fds_.try_emplace(location.root);
    if (added) it->second = open_root(location.root);
    return {it->second.get(), location.path};
  }

  os::Fd open_parent(const Place& at) { return open_directory(at.root_fd, parent_path(at.path)); }

  // Opens directory path inside root_fd, first creating it and its missing
  // parents with mode 0755. Each one is made by mkdirat in its opened parent
  // and reopened with O_NOFOLLOW, so nothing is created through a symlink
  // and every new directory is inside the root.
  os::Fd open_directory(int root_fd, const std::string& path) {
    os::Fd fd = open_in_root(root_fd, path, O_PATH | O_DIRECTORY);
    if (fd) return fd;
    std::string leaf = base_name(path);
    if (errno != ENOENT || leaf == "/" || leaf == "." || leaf == "..") {
      fail_errno(errno, "opening directory \"" + path + "\"");
    }
    os::Fd parent = open_directory(root_fd, parent_path(path));
    bool created = ::mkdirat(parent.get(), leaf.c_str(), 0755) == 0;
    if (!created && errno != EEXIST) fail_errno(errno, "creating directory \"" + path + "\"");
    fd = os::Fd(
        ::openat(parent.get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && !created && (errno == ENOTDIR || errno == ELOOP)) {
      fail(ErrorCode::kInvalidArgument,
           "cannot create directory \"{}\": a file or a dangling symlink has its name: "
           "create the directory that the symlink names first, or remove the file",
           path);
    }
    if (!fd) fail_errno(errno, "opening directory \"" + path + "\"");
    if (created) {
      if (options_.parent_owner &&
          ::fchown(fd.get(), options_.parent_owner->uid, options_.parent_owner->gid) != 0) {
        fail_errno(errno, "changing the owner of \"" + path + "\"");
      }
      // Sets the mode again, because mkdirat applied the umask.
      if (::fchmod(fd.get(), 0755) != 0) {
        fail_errno(errno, "changing the mode of \"" + path + "\"");
      }
    }
    return fd;
  }

  static bool is_regular_file(int parent_fd, const std::string& leaf) {
    struct stat st;
    return ::fstatat(parent_fd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
  }

  // Removes what is at leaf so the new entry can be created, keeping an
  // existing directory that a directory entry merges into.
  void make_room(int parent_fd, const std::string& leaf, const std::string& path,
                 bool new_is_directory) {
    struct stat st;
    if (::fstatat(parent_fd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return;
      fail_errno(errno, "reading \"" + path + "\"");
    }
    if (leaf.empty() || leaf == "." || leaf == "..") {
      fail(ErrorCode::kInvalidArgument, "cannot replace \"{}\": it is not a directory entry",
           path);
    }
    bool old_is_directory = S_ISDIR(st.st_mode);
    if (old_is_directory && new_is_directory) return;
    if (old_is_directory != new_is_directory && !options_.overwrite) {
      fail(ErrorCode::kConflict,
           "cannot overwrite {} \"{}\" with {}: use --overwrite to replace it", 
           old_is_directory ? "directory" : "non-directory", path,
           new_is_directory ? "a directory" : "a non-directory");
    }
    if (old_is_directory) {
      // The /proc/self/fd link names the parent that was resolved in the root.
      os::remove_all("/proc/self/fd/" + std::to_string(parent_fd) + "/" + leaf);
    } else if (::unlinkat(parent_fd, leaf.c_str(), 0) != 0) {
      fail_errno(errno, "replacing \"" + path + "\"");
    }
  }

  static void copy_data(archive* reader, int fd, const std::string& path) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      int status = archive_read_data_block(reader, &block, &size, &offset);
      if (status == ARCHIVE_EOF) return;
      if (status != ARCHIVE_OK) {
        fail(ErrorCode::kInvalidArgument, "reading the tar stream at \"{}\": {}", path,
             archive_error_string(reader) ? archive_error_string(reader) : "unknown error");
      }
      if (::lseek(fd, offset, SEEK_SET) < 0) fail_errno(errno, "writing \"" + path + "\"");
      std::string_view data(static_cast<const char*>(block), size);
      while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_errno(errno, "writing \"" + path + "\"");
        data.remove_prefix(static_cast<std::size_t>(n));
      }
    }
  }

  // Sets owner, then mode (a chown clears setuid and setgid), then times.
  static void set_attributes(int fd, const std::string& path, uid_t uid, gid_t gid, mode_t mode,
                             archive_entry* entry) {
    if (::fchown(fd, uid, gid) != 0) fail_errno(errno, "changing the owner of \"" + path + "\"");
    if (::fchmod(fd, mode) != 0) fail_errno(errno, "changing the mode of \"" + path + "\"");
    if (entry) {
      timespec times[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(entry), 0}};
      ::futimens(fd, times);
    }
  }

  std::string root_;
  os::Fd root_fd_;
  std::string dest_;
  ExtractOptions options_;
  std::map<std::string, os::Fd> mount_fds_;  // the roots of mounts, by host path
  std::vector<std::pair<Place, time_t>> directory_times_;
};

}  // namespace

CopySource stat_copy_source(const std::string& root, const std::string& path,
                            const std::string& location, const std::string& shown_path) {
  const std::string& shown = shown_path.empty() ? path : shown_path;
  os::Fd root_fd = open_root(root);
  bool follow = ends_with_slash_or_dot(path);
  os::Fd fd = open_in_root(root_fd.get(), path, O_PATH | (follow ? 0 : O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) {
      fail(ErrorCode::kNotFound, "\"{}\" could not be found {}: no such file or directory", shown,
           location);
    }
    if (errno == ENOTDIR) {
      fail(ErrorCode::kInvalidArgument, "\"{}\" is not a directory", shown);
    }
    fail_errno(errno, "opening \"" + shown + "\"");
  }
  struct stat st = stat_fd(fd.get(), path);
  CopySource source;
  source.directory = S_ISDIR(st.st_mode);
  source.contents_only = source.directory && (path.ends_with("/.") || path == ".");
  return source;
}

void write_copy_tar(const std::string& root, const std::string& path, const std::string& top_name,
                    int fd, const std::optional<CopyOwner>& owner) {
  os::Fd root_fd = open_root(root);
  bool follow = ends_with_slash_or_dot(path);
  os::Fd start = open_in_root(root_fd.get(), path, O_PATH | (follow ? 0 : O_NOFOLLOW));
  if (!start) fail_errno(errno, "opening \"" + path + "\"");
  TarSource source(fd, owner);
  source.add(start.get(), top_name, trim_trailing(path), top_name.empty());
  source.finish();
}

void extract_copy_tar(int fd, const std::string& root, const std::string& dest,
                      const ExtractOptions& options) {
  ArchivePtr reader(archive_read_new(), archive_read_free);
  if (!reader) fail(ErrorCode::kInternal, "allocating a libarchive reader failed");
  archive_read_support_format_tar(reader.get());
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_xz(reader.get());
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_filter_zstd(reader.get());
  auto invalid = [&](const char* what) {
    fail(ErrorCode::kInvalidArgument, "invalid tar stream: {}", what ? what : "unknown error");
  };
  if (archive_read_open_fd(reader.get(), fd, 256 * 1024) != ARCHIVE_OK) {
    invalid(archive_error_string(reader.get()));
  }
  TarExtractor extractor(root, dest, options);
  archive_entry* entry = nullptr;
  for (;;) {
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) invalid(archive_error_string(reader.get()));
    extractor.extract(reader.get(), entry);
  }
  extractor.finish();
}

std::string copy_base_name(const std::string& path) { return base_name(path); }

bool is_directory_in_root(const std::string& root, const std::string& path) {
  os::Fd root_fd = open_root(root);
  os::Fd fd = open_in_root(root_fd.get(), path, O_PATH | O_DIRECTORY);
  return static_cast<bool>(fd);
}

CopyTarget resolve_copy_target(const std::string& root, const std::string& dest_path,
                               const std::string& source_path, const CopySource& source,
                               bool overwrite, const std::string& location,
                               const std::string& shown_path) {
  const std::string& shown = shown_path.empty() ? dest_path : shown_path;
  os::Fd root_fd = open_root(root);
  os::Fd dest = open_in_root(root_fd.get(), dest_path, O_PATH);
  if (dest) {
    struct stat st = stat_fd(dest.get(), dest_path);
    if (S_ISDIR(st.st_mode)) {
      if (source.contents_only) return {dest_path, "."};
      return {dest_path, base_name(source_path)};
    }
    if (ends_with_slash_or_dot(dest_path)) {
      fail(ErrorCode::kInvalidArgument, "destination \"{}\" is not a directory", shown);
    }
    if (source.directory && !overwrite) {
      fail(ErrorCode::kInvalidArgument,
           "destination \"{}\" must be a directory when copying a directory: use --overwrite "
           "to replace it",
           shown);
    }
    return {parent_path(dest_path), base_name(dest_path)};
  }
  if (errno != ENOENT) fail_errno(errno, "opening destination \"" + shown + "\"");
  if ((ends_with_slash_or_dot(dest_path) && !source.directory) ||
      !is_directory_in_root(root, parent_path(dest_path))) {
    fail(ErrorCode::kNotFound,
         "\"{}\" could not be found {}: no such file or directory (the parent directory of a "
         "destination must exist)",
         shown, location);
  }
  return {parent_path(dest_path), base_name(dest_path)};
}

}  // namespace berth::container
