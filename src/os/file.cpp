#include "os/file.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"

namespace berth::os {

Fd open_file(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) fail_errno(errno, "opening \"" + path + "\"");
  return Fd(fd);
}

std::string read_file(const std::string& path) {
  Fd fd = open_file(path, O_RDONLY);
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "reading \"" + path + "\"");
    }
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

std::optional<std::string> read_file_if_exists(const std::string& path) {
  try {
    return read_file(path);
  } catch (const Error& e) {
    if (e.sys_errno() == ENOENT) return std::nullopt;
    throw;
  }
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "writing");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                       Durability durability) {
  // A device such as --digestfile /dev/null is written to, never replaced.
  if (is_special_file(path)) {
    Fd fd = open_file(path, O_WRONLY);
    write_all(fd.get(), data);
    return;
  }
  std::string tmp = path + ".tmp-" + random_id().substr(0, 8);
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
    try {
      write_all(fd.get(), data);
      if (::fchmod(fd.get(), mode) != 0) fail_errno(errno, "chmod \"" + tmp + "\"");
      if (durability == Durability::kDurable && ::fsync(fd.get()) != 0) {
        fail_errno(errno, "fsync \"" + tmp + "\"");
      }
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail_errno(err, "renaming \"" + tmp + "\" to \"" + path + "\"");
  }
}

void make_dirs(const std::string& path, mode_t mode) {
  // The directory is made with mode and missing parents with 0755 (both
  // less the umask); existing ones are left as they are.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) fail_errno(ENOTDIR, "creating directory \"" + path + "\"");
    return;
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_dirs(path.substr(0, slash), 0755);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    fail_errno(errno, "creating directory \"" + path + "\"");
  }
}

void remove_all(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec && ec.value() != ENOENT) fail_errno(ec.value(), "removing \"" + path + "\"");
}

void move_or_remove(const std::string& path, const std::string& destination) {
  auto slash = destination.rfind('/');
  if (slash != std::string::npos && slash > 0) make_dirs(destination.substr(0, slash), 0700);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::rename(path.c_str(), destination.c_str()) == 0) return;
    if (errno == ENOENT && !path_exists(path)) return;
    if (attempt == 0 && (errno == EEXIST || errno == ENOTEMPTY || errno == EISDIR ||
                         errno == ENOTDIR)) {
      remove_all(destination);
      continue;
    }
    break;
  }
  spdlog::debug("moving \"{}\" aside: {}; removing it now", path, std::strerror(errno));
  remove_all(path);
}

bool is_special_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

namespace {
thread_local std::int64_t g_tree_total = 0;
thread_local std::set<std::pair<dev_t, ino_t>>* g_tree_seen = nullptr;

int add_size(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_F && S_ISREG(st->st_mode)) {
    if (st->st_nlink > 1 && !g_tree_seen->insert({st->st_dev, st->st_ino}).second) return 0;
    g_tree_total += st->st_size;
  }
  return 0;
}
}  // namespace

std::int64_t tree_size(const std::string& path) {
  std::set<std::pair<dev_t, ino_t>> seen;
  g_tree_seen = &seen;
  g_tree_total = 0;
  ::nftw(path.c_str(), add_size, 64, FTW_PHYS | FTW_MOUNT);
  g_tree_seen = nullptr;
  return g_tree_total;
}

}  // namespace berth::os
