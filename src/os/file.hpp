#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "os/fd.hpp"

namespace berth::os {

// Reads a whole file. Throws Error (kNotFound when it does not exist).
std::string read_file(const std::string& path);

// Reads a whole file, or returns nullopt when it does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path);

// Whether write_file_atomic fsyncs before the rename: needed for files that
// must survive a host crash, wasted time for files rebuilt on every start.
enum class Durability { kDurable, kVolatile };

// Writes data to path atomically: a temporary file in the same directory,
// fsync (unless kVolatile), rename over path. The file gets the given mode.
void write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644,
                       Durability durability = Durability::kDurable);

// Creates a directory with mode and its missing parents with 0755 (like
// mkdir -p; the umask applies); existing ones are left unchanged.
void make_dirs(const std::string& path, mode_t mode = 0755);

// Removes a file or a directory tree; a missing path is not an error. Mount
// points inside the tree are not crossed (their removal fails with EBUSY).
void remove_all(const std::string& path);

// Renames path to destination (creating destination's parent, replacing an
// old destination), so that another process can delete it later, off the
// caller's critical path. Falls back to removing path when the rename fails
// (another file system, say). Does nothing when path is absent.
void move_or_remove(const std::string& path, const std::string& destination);

bool path_exists(const std::string& path);

// Returns whether path exists and is neither a regular file nor a directory
// (a device such as /dev/null, a FIFO or a socket). Output meant for such a
// path is written to it directly, never renamed over it.
bool is_special_file(const std::string& path);

// Opens with O_CLOEXEC added; throws Error naming the path on failure.
Fd open_file(const std::string& path, int flags, mode_t mode = 0644);

// Writes all of data to fd, retrying on EINTR and short writes.
void write_all(int fd, std::string_view data);

// Returns the total size in bytes of regular files under path (st_size,
// hardlinks counted once).
std::int64_t tree_size(const std::string& path);

}  // namespace berth::os
