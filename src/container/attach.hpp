#pragma once

#include <functional>
#include <optional>
#include <string>

namespace berth::container {

// Stream IDs of the frames berth-monitor sends to attach clients: one byte
// of stream ID, a 4-byte big-endian length, then the payload.
inline constexpr unsigned char kStreamStdout = 1;
inline constexpr unsigned char kStreamStderr = 2;
inline constexpr unsigned char kStreamExit = 3;  // payload: decimal exit code

// Copies the frames read from socket_fd to stdout_fd and stderr_fd, and
// bytes read from stdin_fd (when not -1) to the socket; EOF on stdin
// half-closes the socket, which closes the container's stdin. Returns the
// exit code from the exit frame, or nullopt when the monitor went away
// without one.
// When signal_fd is not -1, each byte read from it is a signal number that
// on_signal receives (the CLI forwards its own signals to the container).
std::optional<int> attach_stream(int socket_fd, int stdin_fd, int stdout_fd, int stderr_fd,
                                 int signal_fd = -1,
                                 const std::function<void(int)>& on_signal = {});

// Connects to a monitor's attach socket. Throws Error naming the path.
int connect_attach_socket(const std::string& path);

// Puts a terminal into raw mode for as long as it lives, when fd is a TTY.
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  bool active_ = false;
  std::optional<std::string> saved_;  // the original termios, as bytes
};

// Hands this process's nftables sockets to the monitor at the other end of
// socket_fd, so that the monitor, not this process, drops the last
// reference. The kernel waits for its deferred nftables work, an RCU grace
// period (about 6 ms here), when a netfilter socket is released soon after
// a commit such as the network teardown's. The sockets are unusable here
// afterwards. Harmless when the send fails: this process then closes them
// itself.
void hand_over_netfilter_sockets(int socket_fd);

}  // namespace berth::container
