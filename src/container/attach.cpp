#include "container/attach.hpp"

#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"
#include "os/socket.hpp"

namespace berth::container {

namespace {

// Incremental frame parser: feed bytes, get complete frames.
class FrameReader {
 public:
  template <typename OnFrame>
  void feed(const char* data, std::size_t size, OnFrame&& on_frame) {
    buffer_.append(data, size);
    std::size_t offset = 0;
    while (buffer_.size() - offset >= 5) {
      auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset);
      std::uint32_t length = (std::uint32_t{p[1]} << 24) | (std::uint32_t{p[2]} << 16) |
                             (std::uint32_t{p[3]} << 8) | std::uint32_t{p[4]};
      if (buffer_.size() - offset - 5 < length) break;
      on_frame(p[0], std::string_view(buffer_.data() + offset + 5, length));
      offset += 5 + length;
    }
    buffer_.erase(0, offset);
  }

 private:
  std::string buffer_;
};

}  // namespace

int connect_attach_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno(errno, "creating a unix socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    ::close(fd);
    fail(ErrorCode::kInvalidArgument, "attach socket path \"{}\" is too long", path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int err = errno;
    ::close(fd);
    fail_errno(err, "connecting to attach socket \"" + path + "\"");
  }
  return fd;
}

std::optional<int> attach_stream(int socket_fd, int stdin_fd, int stdout_fd, int stderr_fd,
                                 int signal_fd, const std::function<void(int)>& on_signal) {
  FrameReader reader;
  std::optional<int> exit_code;
  bool stdin_open = stdin_fd >= 0;
  char buffer[65536];
  while (!exit_code) {
    pollfd fds[3] = {{socket_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}, {stdin_fd, POLLIN, 0}};
    nfds_t count = stdin_open ? 3 : 2;
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "waiting for container output");
    }
    if (signal_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
      unsigned char sig = 0;
      if (::read(signal_fd, &sig, 1) == 1 && on_signal) on_signal(sig);
    }
    if (stdin_open && fds[2].revents != 0) {
      ssize_t n = ::read(stdin_fd, buffer, sizeof buffer);
      if (n > 0) {
        try {
          os::write_all(socket_fd, std::string_view(buffer, static_cast<std::size_t>(n)));
        } catch (const Error&) {
          stdin_open = false;
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdin_open = false;
        ::shutdown(socket_fd, SHUT_WR);
      }
    }
    if (fds[0].revents == 0) continue;
    ssize_t n = ::read(socket_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reader.feed(buffer, static_cast<std::size_t>(n), [&](unsigned char stream, std::string_view payload) {
      if (stream == kStreamStdout) {
        os::write_all(stdout_fd, payload);
      } else if (stream == kStreamStderr) {
        os::write_all(stderr_fd, payload);
      } else if (stream == kStreamExit) {
        exit_code = std::atoi(std::string(payload).c_str());
      }
    });
  }
  return exit_code;
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  termios original;
  if (::isatty(fd) != 1 || ::tcgetattr(fd, &original) != 0) return;
  saved_ = std::string(reinterpret_cast<const char*>(&original), sizeof original);
  termios raw = original;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSANOW, &raw) == 0) active_ = true;
}

RawTerminal::~RawTerminal() {
  if (!active_ || !saved_) return;
  termios original;
  std::memcpy(&original, saved_->data(), sizeof original);
  ::tcsetattr(fd_, TCSANOW, &original);
}

void hand_over_netfilter_sockets(int socket_fd) {
  auto sockets = os::netlink_sockets(NETLINK_NETFILTER);
  if (!os::send_fds(socket_fd, sockets)) {
    spdlog::debug("handing {} netfilter sockets to the monitor: {}", sockets.size(),
                  std::strerror(errno));
    return;
  }
  // Drops this process's references now, while the monitor holds its own
  // until this process hangs up. /dev/null takes the descriptor numbers, so
  // the nftables library's own close later is harmless.
  os::Fd null = os::open_file("/dev/null", O_RDWR);
  for (int fd : sockets) ::dup3(null.get(), fd, O_CLOEXEC);
}

}  // namespace berth::container
