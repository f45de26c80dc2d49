#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "container/copy_path.hpp"

namespace berth::container {

// File copies between a directory tree taken as a root ("/" for the host, a
// container's root file system otherwise) and a tar stream. Every path inside
// a root is resolved with openat2(RESOLVE_IN_ROOT), so a symlink or ".."
// never leads out of it. The last component of a source path is not followed
// unless the path ends in "/" or "/.", and extracted entries never follow one.

// The owner given to every extracted entry in place of the one in the tar.
struct CopyOwner {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// The kind of a copy source: a directory or not, and whether only its
// contents are copied (a directory path ending in "/.").
struct CopySource {
  bool directory = false;
  bool contents_only = false;
};

// Checks the source path inside root. Throws Error{kNotFound} naming path
// and location (such as "on the host") when it does not exist, and
// Error{kInvalidArgument} when it ends in "/" but is not a directory.
// Messages name shown_path in place of path when it is set.
CopySource stat_copy_source(const std::string& root, const std::string& path,
                            const std::string& location, const std::string& shown_path = "");

// Writes path inside root to fd as a pax tar. The entry of path itself is
// named top_name and the others "top_name/...". An empty top_name writes
// only the contents, named relative to path. Hardlinked files are written
// once and linked after; sockets are left out. A set owner replaces every
// entry's uid and gid.
void write_copy_tar(const std::string& root, const std::string& path, const std::string& top_name,
                    int fd, const std::optional<CopyOwner>& owner = std::nullopt);

// Returns the last component of path, ignoring trailing "/" and "/.".
std::string copy_base_name(const std::string& path);

struct ExtractOptions {
  std::optional<CopyOwner> owner;  // unset: keep the tar's uid and gid
  // The owner of the missing parent directories that extraction creates
  // (mode 0755). Unset: they keep the calling process's uid and gid.
  std::optional<CopyOwner> parent_owner;
  bool overwrite = false;  // replace a directory with a non-directory and the reverse
  // A container's mounts, when root is its root file system and dest a
  // path inside it. Each entry then lands on the file the container reads
  // (in a volume, or in place of a bind-mounted file), as
  // resolve_container_path finds it. Empty: every entry goes below root.
  std::vector<CopyMount> mounts;
};

// Extracts the tar read from fd below directory dest inside root: an entry
// "a/b" becomes dest/a/b and a directory entry "." is dest itself (any
// other kind of entry "." throws Error{kInvalidArgument}). Modes,
// owners, modification times, symlinks, hardlinks, devices and fifos are
// kept. An entry name with ".." or a hardlink to a path outside dest throws
// Error{kInvalidArgument}; a directory that would replace a non-directory (or
// the reverse) without overwrite throws Error{kConflict}. A missing parent
// directory of an entry is created, as Docker and Podman do for a tar that
// has no entries for its directories. After an error part of the tar has
// been extracted.
void extract_copy_tar(int fd, const std::string& root, const std::string& dest,
                      const ExtractOptions& options);

// Resolves the target of a copy of source (as stat_copy_source returned it)
// into dest_path inside root, following Docker's and Podman's rules:
//  - dest_path is a directory: the copy goes into it under the source's
//    base name, or merges into it for a "/." source;
//  - dest_path is missing: the copy is created as dest_path, whose parent
//    must exist. A missing dest_path ending in "/" is only accepted for a
//    directory source;
//  - dest_path is a non-directory: a file replaces it, a directory fails
//    unless overwrite is set.
// Missing paths throw Error{kNotFound} naming dest_path (or shown_path
// when set) and location.
// Returns the directory to extract into and the tar's top entry name.
struct CopyTarget {
  std::string directory;  // path inside root
  std::string top_name;   // name of the copied source's entry in the tar
};
CopyTarget resolve_copy_target(const std::string& root, const std::string& dest_path,
                               const std::string& source_path, const CopySource& source,
                               bool overwrite, const std::string& location,
                               const std::string& shown_path = "");

// Returns whether path inside root is an existing directory.
bool is_directory_in_root(const std::string& root, const std::string& path);

}  // namespace berth::container
