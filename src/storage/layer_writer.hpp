#pragma once

#include <time.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/fd.hpp"

struct archive;
struct archive_entry;

namespace berth::storage {

// Returns a tar entry name as a path relative to the layer root: a leading
// "/", empty and "." components are dropped and ".." removes the component
// before it. The root itself is "". Returns nullopt when ".." climbs above
// the root. The result is lexical: symlinks on disk play no part.
std::optional<std::string> clean_entry_path(std::string_view name);

// Opens path relative to dirfd with openat2, refusing to leave dirfd or to
// follow any symlink on the way (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
// O_CLOEXEC is added to flags. Returns the fd, or -1 with errno set.
int open_beneath(int dirfd, const std::string& path, int flags);

// Writes the entries of one layer tar stream into a directory in overlayfs
// "diff" form. Every file is created relative to a directory fd opened with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so no entry can write
// outside the directory or through a symlink. Used by extract_layer.
class LayerWriter {
 public:
  // target_dir must exist; it should be empty.
  explicit LayerWriter(const std::string& target_dir);

  // Writes one entry, reading a regular file's data from reader. Throws
  // Error{kInvalidArgument} naming the entry when it would escape the
  // target, and Error for failed system calls.
  void write_entry(archive* reader, archive_entry* entry);

  // Sets the times of the directories written so far. Call after the last
  // entry, because writing into a directory changes its mtime.
  void finish();

 private:
  struct DirTimes {
    std::string path;
    timespec times[2];
  };

  // Returns an fd of the directory at rel (relative to the root), creating
  // missing directories with mode 0755 when create is set. entry names the
  // tar entry for error messages. The last directory opened is cached.
  int parent_dir(const std::string& rel, const std::string& entry);
  os::Fd open_dir(const std::string& rel, const std::string& entry, bool create);
  void forget_cached_parent(const std::string& path);

  void write_whiteout(int parent, const std::string& name, const std::string& entry);
  void write_hardlink(int parent, const std::string& name, const std::string& entry,
                      const char* link_name);
  void write_regular(archive* reader, archive_entry* entry, int parent, const std::string& name,
                     const std::string& path);
  void write_directory(archive_entry* entry, int parent, const std::string& name,
                       const std::string& path);
  void write_special(archive_entry* entry, int parent, const std::string& name,
                     const std::string& path);
  void write_root(archive_entry* entry);

  // Sets owner, mode and xattrs of an open file or directory.
  void apply_metadata(int fd, archive_entry* entry, const std::string& path);
  // Sets owner, mode (not for symlinks), xattrs and times of parent/name
  // without following a symlink.
  void apply_metadata_at(int parent, const std::string& name, archive_entry* entry,
                         const std::string& path, bool is_symlink);
  void defer_dir_times(archive_entry* entry, const std::string& path);

  os::Fd root_;
  bool set_owner_;  // chown needs root
  std::string cached_path_;
  os::Fd cached_dir_;
  std::vector<DirTimes> dir_times_;
};

}  // namespace berth::storage
