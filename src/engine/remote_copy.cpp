// Remote client: cp through the service's archive routes. A tar stream
// ("-") passes through unchanged. A copy to or from a host path applies the
// same rules as LocalEngine::copy (container/copy.hpp) on this host, so
// names, errors and exit codes match the local command.

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/copy.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

// A private 0700 directory under $TMPDIR (or /var/tmp), removed with its
// contents when the object goes away. It contains the tars and the unpacked
// copy between the service and the host path.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/var/tmp") + "/berth-cp-XXXXXX";
    if (!::mkdtemp(pattern.data())) fail_errno(errno, "creating a directory like " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    try {
      os::remove_all(path_);
    } catch (const Error& e) {
      spdlog::warn("removing {}: {}", path_, e.what());
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Makes a relative host path absolute against the working directory,
// keeping the trailing "/" and "/." that the copy rules look at.
std::string absolute_host_path(const std::string& path) {
  if (path.starts_with("/")) return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) fail_errno(errno, "reading the working directory");
  std::string base = cwd;
  return base == "/" ? "/" + path : base + "/" + path;
}

os::Fd temporary_file(const std::string& dir) {
  os::Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) fail_errno(errno, "creating a temporary file in " + dir);
  return fd;
}

void rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) fail_errno(errno, "rewinding a temporary file");
}

// Writes all of data to fd. Throws Error with the errno of a failed write
// (EPIPE when the reader of stdout has gone).
void write_fully(int fd, std::string_view data, const std::string& description) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "writing " + description);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string parent_path(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.ends_with("/")) trimmed.pop_back();
  auto slash = trimmed.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return trimmed.substr(0, slash);
}

}  // namespace

void RemoteEngine::copy(const CopyRequest& request, int stream_fd) {
  // Messages name the container by its name, as LocalEngine's do.
  json inspect = inspect_container(request.container);
  std::string id = string_or_empty(inspect, "Id");
  std::string location = "on container " + string_or_empty(inspect, "Name");
  std::string inside_path =
      request.container_path.starts_with("/") ? request.container_path : "/" + request.container_path;
  bool stream = request.host_path == "-";
  std::string archive = remote::container_path(id, "archive");

  // Reads the archive of path into on_data. Throws the service's error,
  // Error{kNotFound} for a missing path among them, before on_data runs.
  auto get_archive = [&](const std::string& path, const std::function<bool(std::string_view)>& on_data) {
    client_.stream("GET", archive + "?path=" + escape(path), "", on_data);
  };
  // Whether path resolves to something in the container; with a trailing
  // "/", whether it resolves to a directory.
  auto exists = [&](const std::string& path) {
    try {
      get_archive(path, [](std::string_view) { return false; });
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kInvalidArgument) {
        return false;
      }
      throw;
    }
    return true;
  };
  auto put_archive = [&](const std::string& directory, int tar_fd) {
    std::string target = archive + "?path=" + escape(directory) +
                         "&copyUIDGID=" + (request.archive ? "true" : "false") +
                         "&noOverwriteDirNonDir=" + (request.overwrite ? "false" : "true");
    client_.send_fd("PUT", target, tar_fd, "application/x-tar");
  };

  if (!request.to_container && stream) {
    get_archive(inside_path, [&](std::string_view data) {
      write_fully(stream_fd, data, "the archive of " + inside_path);
      return true;
    });
    return;
  }

  if (request.to_container && stream) {
    // The service extracts a tar stream only into an existing directory.
    std::string probe = inside_path.ends_with("/") ? inside_path : inside_path + "/";
    if (!exists(probe)) {
      fail(ErrorCode::kNotFound,
           "\"{}\" could not be found {}: a tar stream is extracted into an existing directory",
           request.container_path, location);
    }
    put_archive(inside_path, stream_fd);
    return;
  }

  std::string host_path = absolute_host_path(request.host_path);
  TempDir scratch;

  if (request.to_container) {
    auto source = container::stat_copy_source("/", host_path, "on the host");
    // The copy rules look at the destination's kind, so a shadow of it
    // (a directory, a file or only its parent) is built in the scratch
    // directory and resolved as LocalEngine resolves the container path.
    std::string shadow = scratch.path() + "/shadow";
    std::string trimmed = inside_path;
    while (trimmed.size() > 1 && trimmed.ends_with("/")) trimmed.pop_back();
    std::string dir_probe = trimmed == "/" ? "/" : trimmed + "/";
    if (exists(dir_probe)) {
      os::make_dirs(shadow + trimmed, 0700);
    } else if (exists(trimmed)) {
      os::make_dirs(shadow + parent_path(trimmed), 0700);
      os::write_file_atomic(shadow + trimmed, "", 0600);
    } else {
      os::make_dirs(shadow, 0700);
      std::string parent = parent_path(trimmed);
      if (exists(parent == "/" ? "/" : parent + "/")) os::make_dirs(shadow + parent, 0700);
    }
    auto target = container::resolve_copy_target(shadow, inside_path, host_path, source,
                                                  request.overwrite, location, inside_path);
    os::Fd tar = temporary_file(scratch.path());
    container::write_copy_tar("/", host_path, target.top_name, tar.get());
    rewind(tar.get());
    put_archive(target.directory, tar.get());
    return;
  }

  // Out of the container: the service's tar is unpacked in the scratch
  // directory first, because its top entry has the source's name and the
  // copy rules may give the copy another.
  os::Fd received = temporary_file(scratch.path());
  get_archive(inside_path, [&](std::string_view data) {
    write_fully(received.get(), data, "the archive of " + inside_path);
    return true;
  });
  rewind(received.get());
  std::string unpacked = scratch.path() + "/unpacked";
  os::make_dirs(unpacked, 0700);
  container::extract_copy_tar(received.get(), "/", unpacked, {});
  std::string copied = unpacked + "/.";
  if (!inside_path.ends_with("/.")) {
    std::vector<std::string> entries;
    for (const auto& entry : std::filesystem::directory_iterator(unpacked)) {
      entries.push_back(entry.path().filename().string());
    }
    if (entries.size() != 1) {
      fail(ErrorCode::kInternal, "the service's archive of \"{}\" {} has {} top entries, not one",
           request.container_path, location, entries.size());
    }
    copied = unpacked + "/" + entries.front();
  }
  auto source = container::stat_copy_source("/", copied, location, inside_path);
  auto target = container::resolve_copy_target("/", host_path, inside_path, source,
                                                request.overwrite, "on the host");
  os::Fd tar = temporary_file(scratch.path());
  container::write_copy_tar("/", copied, target.top_name, tar.get());
  rewind(tar.get());
  // Files copied to the host belong to the caller, as with Podman.
  container::ExtractOptions options;
  options.overwrite = request.overwrite;
  options.owner = container::CopyOwner{::geteuid(), ::getegid()};
  container::extract_copy_tar(tar.get(), "/", target.directory, options);
}

}  // namespace berth::engine
