// Small helpers shared by the parts of berth-monitor.

#include <fcntl.h>
#include <ftw.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "monitor.hpp"

namespace monitor {

namespace {
int debug_fd = -1;
}  // namespace

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void open_debug_log(const Options& options) {
  if (!options.debug) return;
  std::string path = options.bundle + "/monitor.log";
  debug_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

void debug(const char* format, ...) {
  if (debug_fd < 0) return;
  char line[512];
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  int prefix = std::snprintf(line, sizeof line, "%lld.%09ld [%d] ",
                             static_cast<long long>(now.tv_sec), now.tv_nsec, ::getpid());
  va_list args;
  va_start(args, format);
  int body = std::vsnprintf(line + prefix, sizeof line - prefix - 1, format, args);
  va_end(args);
  std::size_t size = static_cast<std::size_t>(prefix) +
                     std::min<std::size_t>(static_cast<std::size_t>(body < 0 ? 0 : body),
                                           sizeof line - prefix - 2);
  line[size++] = '\n';
  write_all(debug_fd, line, size);
}

std::string runtime_error_message(const std::string& stderr_text) {
  // The last non-empty line.
  std::size_t end = stderr_text.find_last_not_of(" \r\n\t");
  if (end == std::string::npos) return "the OCI runtime failed without an error message";
  std::size_t begin = stderr_text.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  std::string line = stderr_text.substr(begin, end + 1 - begin);

  // runc logs through logrus: time="..." level=error msg="text with \"quotes\"".
  if (std::size_t msg = line.find("msg=\""); msg != std::string::npos) {
    std::string text;
    for (std::size_t i = msg + 5; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      text.push_back(line[i]);
    }
    line = text;
  }
  for (const char* prefix : {"runc run failed: ", "crun: ", "unable to start container process: "}) {
    if (line.rfind(prefix, 0) == 0) line.erase(0, std::strlen(prefix));
  }
  return line;
}

namespace {
int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  int rc = type == FTW_DP ? ::rmdir(path) : ::unlink(path);
  if (rc != 0 && errno != ENOENT) debug("removing %s: %s", path, std::strerror(errno));
  return 0;  // keep going: remove what can be removed
}
}  // namespace

void remove_tree(const std::string& path) {
  // FTW_PHYS: never follow symlinks; FTW_MOUNT: stay on this file system.
  if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0 &&
      errno != ENOENT) {
    debug("removing %s: %s", path.c_str(), std::strerror(errno));
  }
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

int listen_unix(const std::string& path, std::string& message) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    message = std::string("creating a unix socket: ") + std::strerror(errno);
    return -1;
  }
  // A path longer than sun_path is reached through its directory's fd.
  std::string bind_path = path;
  int dir_fd = -1;
  sockaddr_un address{};

  if (path.size() >= sizeof address.sun_path) {
    std::size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
    dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
      message = "opening directory \"" + dir + "\": " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    bind_path = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + path.substr(slash + 1);
  }
  if (bind_path.size() >= sizeof address.sun_path) {
    message = "socket path \"" + path + "\" is too long";
    ::close(fd);
    if (dir_fd >= 0) ::close(dir_fd);
    return -1;
  }

  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, bind_path.c_str(), bind_path.size() + 1);
  ::unlink(bind_path.c_str());
  // The umask makes the socket 0600 from the start, with no chmod race.
  mode_t old_umask = ::umask(0177);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  int bind_errno = errno;
  ::umask(old_umask);
  if (dir_fd >= 0) ::close(dir_fd);
  if (rc != 0 || ::listen(fd, 16) != 0) {
    message = "listening on \"" + path + "\": " + std::strerror(rc != 0 ? bind_errno : errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace monitor
