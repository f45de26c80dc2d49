#include "container/attach.hpp"

#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "config/containers_conf.hpp"
#include "os/fd.hpp"
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
  // A path longer than sun_path (an exec session's, under a long run root)
  // is reached through its directory's fd, as the monitor binds it.
  std::string target = path;
  os::Fd directory;
  if (target.size() >= sizeof address.sun_path) {
    auto slash = path.rfind('/');
    directory = os::Fd(::open(path.substr(0, slash).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!directory) {
      int err = errno;
      ::close(fd);
      fail_errno(err, "opening the directory of attach socket \"" + path + "\"");
    }
    target = "/proc/self/fd/" + std::to_string(directory.get()) + path.substr(slash);
  }
  if (target.size() >= sizeof address.sun_path) {
    ::close(fd);
    fail(ErrorCode::kInvalidArgument, "attach socket path \"{}\" is too long", path);
  }
  std::memcpy(address.sun_path, target.c_str(), target.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int err = errno;
    ::close(fd);
    fail_errno(err, "connecting to attach socket \"" + path + "\"");
  }
  return fd;
}

namespace {

// The write end of the SIGWINCH pipe of the WinchWatcher alive, or -1.
int winch_write_fd = -1;

// Turns SIGWINCH into a readable byte on a pipe for as long as it lives.
class WinchWatcher {
 public:
  WinchWatcher() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fail_errno(errno, "creating a signal pipe");
    read_end_.reset(fds[0]);
    write_end_.reset(fds[1]);
    winch_write_fd = write_end_.get();
    struct sigaction action {};
    action.sa_handler = [](int) {
      char byte = 1;
      [[maybe_unused]] ssize_t n = ::write(winch_write_fd, &byte, 1);
    };
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGWINCH, &action, &previous_);
  }
  ~WinchWatcher() {
    ::sigaction(SIGWINCH, &previous_, nullptr);
    winch_write_fd = -1;
  }
  WinchWatcher(const WinchWatcher&) = delete;
  WinchWatcher& operator=(const WinchWatcher&) = delete;
  int fd() const { return read_end_.get(); }
  void drain() const {
    char bytes[64];
    while (::read(read_end_.get(), bytes, sizeof bytes) > 0) {
    }
  }

 private:
  os::Fd read_end_;
  os::Fd write_end_;
  struct sigaction previous_ {};
};

void send_frame(int socket_fd, unsigned char type, std::string_view payload) {
  std::string frame(5, '\0');
  frame[0] = static_cast<char>(type);
  auto size = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) frame[1 + i] = static_cast<char>((size >> (24 - 8 * i)) & 0xff);
  frame += payload;
  // MSG_NOSIGNAL: a monitor that exited before the last frame must not
  // kill the CLI with SIGPIPE, so a close frame sent after a fast exit
  // fails as an Error, which callers ignore.
  std::string_view rest = frame;
  while (!rest.empty()) {
    ssize_t n = ::send(socket_fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "sending to the attach socket");
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Sends rows and columns as a resize frame.
void send_size(int socket_fd, std::uint16_t rows, std::uint16_t columns) {
  const char payload[4] = {static_cast<char>(rows >> 8), static_cast<char>(rows & 0xff),
                           static_cast<char>(columns >> 8), static_cast<char>(columns & 0xff)};
  send_frame(socket_fd, kInputResize, std::string_view(payload, sizeof payload));
}

// Sends the size of the terminal on fd, when it is one.
void send_terminal_size(int socket_fd, int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0) return;
  send_size(socket_fd, size.ws_row, size.ws_col);
}

// Finds the detach keys in the input stream: bytes that may begin the
// sequence are held back until the next bytes decide.
class DetachMatcher {
 public:
  explicit DetachMatcher(std::string keys) : keys_(std::move(keys)) {}

  // Appends to out the input bytes to send on. Returns true when the keys
  // were typed; the bytes before them are in out.
  bool feed(std::string_view input, std::string& out) {
    for (char byte : input) {
      if (keys_.empty()) {
        out += byte;
        continue;
      }
      held_ += byte;
      if (held_.size() <= keys_.size() && keys_.compare(0, held_.size(), held_) == 0) {
        if (held_.size() == keys_.size()) return true;
        continue;
      }
      // Not the sequence: send the first held byte on and look again from
      // the next one.
      while (!held_.empty() && keys_.compare(0, held_.size(), held_) != 0) {
        out += held_.front();
        held_.erase(0, 1);
      }
    }
    return false;
  }

 private:
  std::string keys_;
  std::string held_;
};

}  // namespace

std::optional<int> collect_output(int socket_fd, std::string& output, int timeout_ms,
                                  std::size_t max_output) {
  FrameReader reader;
  std::optional<int> exit_code;
  std::int64_t deadline = now_ns() + std::int64_t{timeout_ms} * 1'000'000;
  char buffer[16384];
  while (!exit_code) {
    std::int64_t left_ms = (deadline - now_ns()) / 1'000'000;
    if (left_ms <= 0) return std::nullopt;
    pollfd ready{socket_fd, POLLIN, 0};
    int n_ready = ::poll(&ready, 1, static_cast<int>(left_ms));
    if (n_ready < 0 && errno == EINTR) continue;
    if (n_ready < 0) fail_errno(errno, "waiting for exec output");
    if (n_ready == 0) return std::nullopt;
    ssize_t n = ::read(socket_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reader.feed(buffer, static_cast<std::size_t>(n), [&](unsigned char stream, std::string_view payload) {
      if (stream == kStreamExit) {
        exit_code = std::atoi(std::string(payload).c_str());
      } else if (output.size() < max_output) {
        output += payload.substr(0, max_output - output.size());
      }
    });
  }
  return exit_code;
}

std::string parse_detach_keys(std::string_view keys) {
  std::string bytes;
  if (keys.empty()) return bytes;
  auto bad = [&] {
    fail(ErrorCode::kInvalidArgument,
         "invalid detach keys \"{}\": give a comma-separated list of single characters and "
         "ctrl-KEY (KEY a-z, @, [, \\, ], ^ or _), such as \"ctrl-p,ctrl-q\"",
         keys);
  };
  std::size_t start = 0;
  while (start <= keys.size()) {
    std::size_t comma = keys.find(',', start);
    if (comma == std::string_view::npos) comma = keys.size();
    std::string_view key = keys.substr(start, comma - start);
    if (key.size() == 1) {
      bytes += key[0];
    } else if (key.size() == 6 && key.starts_with("ctrl-")) {
      char c = key[5];
      if (c >= 'a' && c <= 'z') {
        bytes += static_cast<char>(c - 'a' + 1);
      } else if (c == '@') {
        bytes += '\0';
      } else if (c >= '[' && c <= '_') {
        bytes += static_cast<char>(c - '[' + 27);
      } else {
        bad();
      }
    } else {
      bad();
    }
    start = comma + 1;
  }
  return bytes;
}

std::string configured_detach_keys() {
  auto configured = config::ContainersConf::load().detach_keys;
  if (!configured) return parse_detach_keys(kDefaultDetachKeys);
  try {
    return parse_detach_keys(*configured);
  } catch (const Error& e) {
    throw e.with_context("containers.conf [engine] detach_keys");
  }
}

AttachResult attach_stream(int socket_fd, const AttachIo& io) {
  FrameReader reader;
  AttachResult result;
  bool stdin_open = io.stdin_fd >= 0;
  // The time at which a remote client's end of input becomes a close frame,
  // unless the client hangs up first (see AttachIo::hangup_detaches). 0 when
  // no close frame is pending.
  std::int64_t close_due_ns = 0;
  DetachMatcher detach(io.detach_keys);
  std::optional<WinchWatcher> winch;
  if (io.resize && ::isatty(io.stdout_fd) == 1) {
    winch.emplace();
    send_terminal_size(socket_fd, io.stdout_fd);
  }
  if (io.close_stdin && io.stdin_fd < 0) send_frame(socket_fd, kInputClose, {});
  if (stdin_open && !io.pending_input.empty()) {
    std::string input;
    bool detached = detach.feed(io.pending_input, input);
    if (!input.empty()) send_frame(socket_fd, kInputData, input);
    if (detached) {
      result.detached = true;
      return result;
    }
  }
  auto send_close = [&] {
    try {
      send_frame(socket_fd, kInputClose, {});
    } catch (const Error&) {
    }
  };
  char buffer[65536];
  while (!result.exit_code) {
    // After a remote client's end of input, its socket is watched only for
    // a hang-up, which poll reports as POLLHUP with no events requested.
    int stdin_watched = stdin_open || close_due_ns != 0 ? io.stdin_fd : -1;
    pollfd fds[4] = {{socket_fd, POLLIN, 0},
                     {io.signal_fd, POLLIN, 0},
                     {winch ? winch->fd() : -1, POLLIN, 0},
                     {stdin_watched, static_cast<short>(stdin_open ? POLLIN : 0), 0}};
    int timeout_ms = -1;
    if (close_due_ns != 0) {
      timeout_ms = static_cast<int>(std::max<std::int64_t>(0, (close_due_ns - now_ns()) / 1'000'000));
    }
    if (::poll(fds, 4, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "waiting for container output");
    }
    if ((fds[1].revents & POLLIN) != 0) {
      unsigned char sig = 0;
      if (::read(io.signal_fd, &sig, 1) == 1 && io.on_signal) io.on_signal(sig);
    }
    if (fds[2].revents != 0) {
      winch->drain();
      try {
        send_terminal_size(socket_fd, io.stdout_fd);
      } catch (const Error&) {
        // The monitor has gone: the read below ends the stream.
      }
    }
    if (close_due_ns != 0 && (fds[3].revents & (POLLHUP | POLLERR)) != 0) {
      result.detached = true;
      return result;
    }
    if (close_due_ns != 0 && now_ns() >= close_due_ns) {
      close_due_ns = 0;
      send_close();
    }
    if (stdin_open && fds[3].revents != 0) {
      ssize_t n = ::read(io.stdin_fd, buffer, sizeof buffer);
      if (n > 0) {
        std::string input;
        bool detached = detach.feed(std::string_view(buffer, static_cast<std::size_t>(n)), input);
        try {
          if (!input.empty()) send_frame(socket_fd, kInputData, input);
        } catch (const Error&) {
          stdin_open = false;
        }
        if (detached) {
          result.detached = true;
          return result;
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdin_open = false;
        if (!io.hangup_detaches) {
          send_close();
        } else if (n < 0 || (fds[3].revents & (POLLHUP | POLLERR)) != 0) {
          // The client reset the connection or hung up without shutting down
          // its writing side first, so it detached.
          result.detached = true;
          return result;
        } else {
          close_due_ns = now_ns() + std::int64_t{kHangupGraceMs} * 1'000'000;
        }
      }
    }
    if (fds[0].revents == 0) continue;
    ssize_t n = ::read(socket_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reader.feed(buffer, static_cast<std::size_t>(n), [&](unsigned char stream, std::string_view payload) {
      if (io.on_output && (stream == kStreamStdout || stream == kStreamStderr)) {
        io.on_output(stream, payload);
      } else if (stream == kStreamStdout) {
        os::write_all(io.stdout_fd, payload);
      } else if (stream == kStreamStderr) {
        os::write_all(io.stderr_fd, payload);
      } else if (stream == kStreamExit) {
        result.exit_code = std::atoi(std::string(payload).c_str());
      }
    });
  }
  return result;
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

void send_resize(int socket_fd, std::uint16_t rows, std::uint16_t columns) {
  send_size(socket_fd, rows, columns);
}

}  // namespace berth::container
