#include "engine/digest_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::engine {

namespace {

// The kernel's own limit on symbolic links followed in one path lookup.
constexpr int kMaxSymlinkHops = 40;

bool is_symlink(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// Returns the directory that a new file at path is created in: path's own,
// or, when path is a symbolic link to a missing file, the target's.
std::string creation_directory(const std::string& path) {
  std::filesystem::path file = path;
  for (int hop = 0; hop < kMaxSymlinkHops && is_symlink(file.string()); ++hop) {
    std::error_code error;
    auto target = std::filesystem::read_symlink(file, error);
    if (error) break;
    file = target.is_absolute() ? target : file.parent_path() / target;
  }
  auto directory = file.parent_path();
  return directory.empty() ? "." : directory.string();
}

// Whether write_digest_file writes path in place rather than renaming a
// new file over it.
bool writes_in_place(const std::string& path) {
  return is_symlink(path) || os::is_special_file(path);
}

}  // namespace

void check_digest_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      fail(ErrorCode::kInvalidArgument,
           "digest file \"{}\" is a directory: give the path of a file to write the digest to",
           path);
    }
    if (writes_in_place(path)) {
      if (::access(path.c_str(), W_OK) != 0) {
        fail_errno(errno, fmt::format("cannot write digest file \"{}\"", path));
      }
      return;
    }
  } else if (errno != ENOENT && errno != ENOTDIR) {
    fail_errno(errno, fmt::format("checking digest file \"{}\"", path));
  }

  std::string directory = creation_directory(path);
  if (::stat(directory.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      fail(ErrorCode::kNotFound,
           "directory \"{}\" of digest file \"{}\" does not exist: create it or choose another "
           "--digestfile",
           directory, path);
    }
    fail_errno(errno, fmt::format("checking directory \"{}\" of digest file \"{}\"", directory,
                                  path));
  }
  if (!S_ISDIR(st.st_mode)) {
    fail(ErrorCode::kInvalidArgument,
         "\"{}\" in digest file path \"{}\" is not a directory: choose another --digestfile",
         directory, path);
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    fail_errno(errno, fmt::format("cannot create digest file \"{}\" in directory \"{}\"", path,
                                  directory));
  }
}

void write_digest_file(const std::string& path, const std::string& digest) {
  if (writes_in_place(path)) {
    os::Fd fd = os::open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    os::write_all(fd.get(), digest);
    return;
  }
  os::write_file_atomic(path, digest, 0644);
}

}  // namespace berth::engine
