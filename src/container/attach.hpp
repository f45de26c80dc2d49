#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace berth::container {

// Stream IDs of the frames berth-monitor sends to attach clients: one byte
// of stream ID, a 4-byte big-endian length, then the payload.
inline constexpr unsigned char kStreamStdout = 1;
inline constexpr unsigned char kStreamStderr = 2;
inline constexpr unsigned char kStreamExit = 3;  // payload: decimal exit code

// Types of the frames attach clients send to berth-monitor, framed the same
// way. A client that hangs up without kInputClose leaves stdin open.
inline constexpr unsigned char kInputData = 0;
inline constexpr unsigned char kInputResize = 1;  // rows, columns: 2 bytes each, big-endian
inline constexpr unsigned char kInputClose = 2;

// The detach keys when neither the user nor containers.conf names any.
inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// Parses a --detach-keys value ("ctrl-p,ctrl-q", "a,ctrl-[", "" for none)
// into the byte sequence it stands for. Throws Error{kInvalidArgument}
// naming the value.
std::string parse_detach_keys(std::string_view keys);

// The detach keys that apply when the user names none, as bytes:
// containers.conf's [engine] detach_keys, else kDefaultDetachKeys. Throws
// Error{kInvalidArgument} naming the setting when it is invalid.
std::string configured_detach_keys();

// The descriptors and options of attach_stream.
struct AttachIo {
  int stdin_fd = -1;  // -1: send no input
  // Input to send before reading stdin_fd: the bytes a remote client sent
  // right behind its request, which the service read with the request.
  std::string pending_input;
  int stdout_fd = 1;
  int stderr_fd = 2;
  // Sends the size of the terminal on stdout_fd at once and after every
  // SIGWINCH, for a container with a TTY.
  bool resize = false;
  // Bytes that, typed in this order on stdin, detach the client.
  std::string detach_keys;
  // Sends the close of stdin at once (when stdin_fd is -1).
  bool close_stdin = false;
  // stdin_fd is the socket of a remote client (the REST service's relay).
  // A client that shuts down only its writing side has ended its input,
  // so the container's stdin is closed. A client that hangs up or resets
  // the connection has detached, so the container's stdin stays open and
  // the next attach can use it. A hang-up that follows the shutdown
  // within kHangupGraceMs still counts as a detach.
  bool hangup_detaches = false;
  // When not -1, each byte read from it is a signal number that on_signal
  // receives (the CLI forwards its own signals to the container).
  int signal_fd = -1;
  std::function<void(int)> on_signal;
  // When set, receives each stdout (kStreamStdout) and stderr
  // (kStreamStderr) payload instead of stdout_fd and stderr_fd (the REST
  // service frames them for its client).
  std::function<void(unsigned char stream, std::string_view payload)> on_output;
};

// How long attach_stream waits, after a remote client shut down its
// writing side, for a hang-up that turns the end of input into a detach.
// Clients that detach through a tunnel (ssh) often shut down the writing
// side first and close the connection right after.
inline constexpr int kHangupGraceMs = 200;

struct AttachResult {
  std::optional<int> exit_code;  // nullopt: the monitor left without one
  bool detached = false;         // the user typed the detach keys
};

// Copies the frames read from socket_fd to stdout and stderr, and input
// from stdin to the socket. EOF on stdin closes the container's stdin
// (see AttachIo::hangup_detaches for a remote client). Returns when the
// exit frame arrives, the monitor hangs up, or the user detaches.
AttachResult attach_stream(int socket_fd, const AttachIo& io);

// Reads the frames on socket_fd, appending stdout and stderr payloads to
// output (at most max_output bytes are kept), until the exit frame arrives
// or timeout_ms passes. Returns the exit code, or nullopt on timeout or
// when the monitor went away without one.
std::optional<int> collect_output(int socket_fd, std::string& output, int timeout_ms,
                                  std::size_t max_output);

// Sends a terminal size to the monitor on an attach socket. Throws Error
// when the socket is gone.
void send_resize(int socket_fd, std::uint16_t rows, std::uint16_t columns);

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
