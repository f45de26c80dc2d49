#pragma once

#include <string>
#include <vector>

#include "os/fd.hpp"

namespace berth::api {

// The address `system service` listens on: a unix socket path, or a TCP
// host and port.
struct ListenAddress {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp: a numeric IPv4 or IPv6 address, or "localhost"
  int port = 0;      // kTcp
};

// Parses "unix:///path/to.sock" or "tcp://HOST:PORT" ("tcp://[::1]:PORT"
// for IPv6). Throws Error{kInvalidArgument} naming uri for anything else.
ListenAddress parse_listen_uri(const std::string& uri);

// Opens a listening socket for address, close-on-exec. A unix socket's
// parent directory is made when missing, the socket file gets mode 0660,
// and a stale socket file that no process listens on is replaced. Throws
// Error{kAlreadyExists} when another process listens on the path, and
// Error with errno for a failed bind or listen.
os::Fd open_listener(const ListenAddress& address);

// The sockets a service manager passed by socket activation (LISTEN_PID
// equal to this process, LISTEN_FDS sockets from fd 3). Returns none when
// the variables are unset or meant for another process. Clears the
// variables so that child processes do not see them, and marks the fds
// close-on-exec.
std::vector<int> activation_sockets();

}  // namespace berth::api
