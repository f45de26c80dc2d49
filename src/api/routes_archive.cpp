// Container file system routes of both APIs: archive (GET, HEAD, PUT),
// export and changes.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/engine.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;

// Bytes of a tar stream read before its first entry's header is decoded:
// enough for a pax header with long names and the ustar header after it.
constexpr std::size_t kHeaderProbeBytes = 64 * 1024;

// Runs write(fd) on its own thread, feeding the write end of a pipe whose
// read end the caller drains. An exception in write is kept and rethrown
// by finish(); closing the read end early makes write fail with EPIPE.
class EngineWriter {
 public:
  explicit EngineWriter(std::function<void(int)> write) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe for an archive");
    read_end_ = os::Fd(fds[0]);
    thread_ = std::thread([this, write = std::move(write), fd = os::Fd(fds[1])]() mutable {
      try {
        write(fd.get());
      } catch (...) {
        error_ = std::current_exception();
      }
    });
  }
  ~EngineWriter() {
    read_end_.reset();
    if (thread_.joinable()) thread_.join();
  }

  int fd() const { return read_end_.get(); }

  // Reads up to limit bytes, fewer only at the end of the stream.
  std::string read_prefix(std::size_t limit) {
    std::string data(limit, '\0');
    std::size_t filled = 0;
    while (filled < limit) {
      ssize_t n = ::read(read_end_.get(), data.data() + filled, limit - filled);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      filled += static_cast<std::size_t>(n);
    }
    data.resize(filled);
    return data;
  }

  // Stops reading, waits for the writer and rethrows its error, if any,
  // unless the error came from the reader hanging up early (discarded).
  void finish(bool discarded = false) {
    read_end_.reset();
    if (thread_.joinable()) thread_.join();
    if (error_ && !discarded) std::rethrow_exception(error_);
  }

 private:
  os::Fd read_end_;
  std::thread thread_;
  std::exception_ptr error_;
};

// The fields of Docker's X-Docker-Container-Path-Stat header.
struct PathStat {
  std::string name;
  std::int64_t size = 0;
  std::uint32_t go_mode = 0;  // Go's os.FileMode bits
  std::int64_t mtime_ns = 0;
  std::string link_target;
};

// Converts a Unix st_mode to Go's os.FileMode, the form Docker's clients
// test with IsDir() and friends.
std::uint32_t go_file_mode(mode_t mode) {
  std::uint32_t go = mode & 0777;
  if (mode & S_ISUID) go |= 1u << 23;
  if (mode & S_ISGID) go |= 1u << 22;
  if (mode & S_ISVTX) go |= 1u << 20;
  switch (mode & S_IFMT) {
    case S_IFDIR:
      go |= 1u << 31;
      break;
    case S_IFLNK:
      go |= 1u << 27;
      break;
    case S_IFIFO:
      go |= 1u << 25;
      break;
    case S_IFSOCK:
      go |= 1u << 24;
      break;
    case S_IFBLK:
      go |= 1u << 26;
      break;
    case S_IFCHR:
      go |= (1u << 26) | (1u << 21);
      break;
    default:
      break;
  }
  return go;
}

// Decodes the first entry of a tar stream from its first bytes. Throws
// Error{kInternal} when they contain no complete tar header.
PathStat first_entry_stat(const std::string& prefix) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                archive_read_free);
  archive_read_support_format_tar(reader.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_memory(reader.get(), prefix.data(), prefix.size()) != ARCHIVE_OK ||
      archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK) {
    fail(ErrorCode::kInternal, "reading the first entry of a container archive: {}",
         archive_error_string(reader.get()) ? archive_error_string(reader.get()) : "no entry");
  }
  PathStat stat;
  std::string path = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
  while (path.size() > 1 && path.ends_with("/")) path.pop_back();
  stat.name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  stat.size = archive_entry_size(entry);
  mode_t mode = archive_entry_mode(entry);
  // Docker reports a directory's size as the file system does.
  if (S_ISDIR(mode) && stat.size == 0) stat.size = 4096;
  stat.go_mode = go_file_mode(mode);
  stat.mtime_ns = static_cast<std::int64_t>(archive_entry_mtime(entry)) * 1000000000 +
                  archive_entry_mtime_nsec(entry);
  if (archive_entry_symlink(entry)) stat.link_target = archive_entry_symlink(entry);
  return stat;
}

std::string stat_header(const PathStat& stat, bool libpod) {
  json value = {{"name", stat.name},
                {"size", stat.size},
                {"mode", stat.go_mode},
                {"mtime", format_rfc3339_nano(stat.mtime_ns)},
                {"linkTarget", stat.link_target}};
  // Podman's clients read isDir rather than the mode bits.
  if (libpod) value["isDir"] = (stat.go_mode & (1u << 31)) != 0;
  // Docker encodes the header with base64's URL alphabet.
  std::string encoded = base64_encode(json_text(value));
  std::replace(encoded.begin(), encoded.end(), '+', '-');
  std::replace(encoded.begin(), encoded.end(), '/', '_');
  return encoded;
}

engine::CopyRequest read_request(Exchange& x) {
  auto path = x.query().get("path").value_or("");
  if (path.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing path: pass it as the path query parameter");
  }
  engine::CopyRequest request;
  request.container = x.param("name");
  request.container_path = path;
  request.host_path = "-";
  // Docker's archive keeps the owners stored in the file system.
  request.archive = false;
  return request;
}

// Podman's clients read linkTarget as the absolute path that the request's
// path resolves to, for every kind of file, and copy into that path. An
// empty one makes them send the tar to ".". A symlink's target is resolved
// against the link's directory.
std::string libpod_link_target(const std::string& requested, const PathStat& stat) {
  std::string path = requested.starts_with("/") ? requested : "/" + requested;
  while (path.size() > 1 && (path.ends_with("/") || path.ends_with("/."))) {
    path.erase(path.ends_with("/") ? path.size() - 1 : path.size() - 2);
  }
  if (stat.link_target.empty()) return path;
  if (stat.link_target.starts_with("/")) return stat.link_target;
  std::string directory = path.substr(0, path.rfind('/'));
  return (directory.empty() ? "" : directory) + "/" + stat.link_target;
}

// Sends the response head of an archive reply with the path stat header
// and returns the socket, which the connection closes after the handler.
// The tar's length is not known up front and the reply has none, so it
// sends Connection: close.
int begin_archive_reply(Exchange& x, const PathStat& stat) {
  std::string pending;
  x.add_header("X-Docker-Container-Path-Stat", stat_header(stat, x.libpod()));
  x.add_header("Connection", "close");
  return x.hijack("application/x-tar", pending);
}

// GET and HEAD /containers/{name}/archive?path=P: a tar of P (GET only)
// and the stat of P in the X-Docker-Container-Path-Stat header. 404 when
// P does not exist.
void archive_get(Exchange& x) {
  auto request = read_request(x);
  engine::Engine& engine = x.engine();
  EngineWriter writer([&engine, request](int fd) { engine.copy(request, fd); });
  std::string prefix = writer.read_prefix(kHeaderProbeBytes);

  if (prefix.empty()) {
    writer.finish();
    fail(ErrorCode::kInternal, "copying \"{}\" from container {} gave an empty archive",
         request.container_path, request.container);
  }
  PathStat stat;
  try {
    stat = first_entry_stat(prefix);
  } catch (const Error&) {
    // A short prefix without a header means the copy failed early.
    writer.finish();
    throw;
  }
  if (x.libpod()) stat.link_target = libpod_link_target(request.container_path, stat);

  int socket = begin_archive_reply(x, stat);
  if (x.method() == verb::head) {
    writer.finish(true);
    return;
  }

  try {
    os::write_all(socket, prefix);
    char buffer[65536];
    while (true) {
      ssize_t n = ::read(writer.fd(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      os::write_all(socket, std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  } catch (const Error& e) {
    // The client hung up: the engine's next write fails and it returns.
    spdlog::debug("api: archive of {} in {}: {}", request.container_path, request.container,
                  e.what());
    writer.finish(true);
    return;
  }
  // Headers are sent: an error now can only cut the tar short.
  writer.finish(true);
}

// Whether path exists in the container, found by reading the first entry
// of its archive.
bool path_exists(Exchange& x, const engine::CopyRequest& request) {
  engine::Engine& engine = x.engine();
  EngineWriter writer([&engine, request](int fd) { engine.copy(request, fd); });
  std::string prefix = writer.read_prefix(1024);
  writer.finish(true);
  return prefix.size() >= 512;
}

// PUT /containers/{name}/archive?path=DIR: extracts the tar body into
// DIR, which must be an existing directory. 404 when it is missing, 400
// when it is not a directory, 403 when it is on a read-only mount.
void archive_put(Exchange& x) {
  auto request = read_request(x);
  request.to_container = true;
  // Podman 4.3's client spells the flag in lower case.
  request.overwrite = !x.query().flag("noOverwriteDirNonDir", false) &&
                      !x.query().flag("nooverwritedirnondir", false);
  // `podman cp` gives copied files the container user's IDs by default
  // (--archive), so the libpod route does too. Docker keeps the tar's IDs
  // unless copyUIDGID is set.
  request.archive = x.query().flag("copyUIDGID", x.libpod());

  // The tar goes to a file as it arrives, so its size has no limit.
  os::Fd tar(::open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!tar) fail_errno(errno, "creating a temporary file in /var/tmp for an archive");
  x.read_body_to(tar.get());
  if (::lseek(tar.get(), 0, SEEK_SET) < 0) fail_errno(errno, "rewinding an archive");

  try {
    x.engine().copy(request, tar.get());
  } catch (const Error& e) {
    spdlog::debug("api: extracting into {} in {}: {}", request.container_path, request.container,
                  e.what());
    if (e.code() == ErrorCode::kPermissionDenied) {
      x.reply_json(status::forbidden, error_body(e, status::forbidden));
      return;
    }
    if (e.code() == ErrorCode::kNotFound) {
      engine::CopyRequest probe = read_request(x);
      if (path_exists(x, probe)) {
        Error not_directory(ErrorCode::kInvalidArgument,
                            "extracting into \"" + request.container_path + "\" on container " +
                                request.container + ": not a directory");
        x.reply_json(status::bad_request, error_body(not_directory, status::bad_request));
        return;
      }
    }
    throw;
  }
  // reply_empty sends no Content-Length, which a 200 needs.
  x.reply_text(status::ok, "text/plain", "");
}

// GET /containers/{name}/export: a tar of the container's whole file system.
void export_container(Exchange& x) {
  std::string name = x.param("name");
  engine::Engine& engine = x.engine();
  EngineWriter writer([&engine, name](int fd) { engine.export_container(name, fd); });
  std::string prefix = writer.read_prefix(512);
  if (prefix.empty()) {
    writer.finish();
    fail(ErrorCode::kInternal, "exporting container {} gave an empty archive", name);
  }
  x.begin_stream(status::ok, "application/x-tar");
  bool sent = x.write_chunk(prefix);
  char buffer[65536];
  while (sent) {
    ssize_t n = ::read(writer.fd(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent = x.write_chunk(std::string_view(buffer, static_cast<std::size_t>(n)));
  }
  writer.finish(true);
  x.end_stream();
}

// GET /containers/{name}/changes: [{"Path", "Kind"}] with Kind 0 changed,
// 1 added and 2 deleted, as Docker numbers them.
// Podman 4.3's `image diff` requests this route with diffType=image.
void changes(Exchange& x) {
  json out = json::array();
  std::string diff_type = x.query().get("diffType").value_or(x.query().get("difftype").value_or(""));
  auto changes = diff_type == "image" ? x.engine().image_diff(x.param("name"))
                                      : x.engine().container_diff(x.param("name"));
  for (const auto& change : changes) {
    int kind = 0;
    if (change.kind == 'A') kind = 1;
    if (change.kind == 'D') kind = 2;
    out.push_back({{"Path", change.path}, {"Kind", kind}});
  }
  x.reply_json(status::ok, out);
}

}  // namespace

void add_archive_routes(Router& router) {
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add(verb::get, p + "/containers/{name}/archive", archive_get);
    router.add(verb::head, p + "/containers/{name}/archive", archive_get);
    router.add(verb::put, p + "/containers/{name}/archive", archive_put);
    router.add(verb::get, p + "/containers/{name}/export", export_container);
    router.add(verb::get, p + "/containers/{name}/changes", changes);
  }
}

}  // namespace berth::api
