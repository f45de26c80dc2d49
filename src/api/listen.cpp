// Listening sockets for the REST service: URIs, unix and TCP sockets, and
// sockets inherited by socket activation.

#include "api/listen.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/error.hpp"

namespace berth::api {

namespace {

int parse_port(const std::string& text, const std::string& uri) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) {
    fail(ErrorCode::kInvalidArgument, "invalid service URI \"{}\": the port must be a number", uri);
  }
  int port = std::stoi(text);
  if (port < 1 || port > 65535) {
    fail(ErrorCode::kInvalidArgument, "invalid service URI \"{}\": port {} is out of range", uri,
         port);
  }
  return port;
}

ListenAddress parse_tcp(const std::string& rest, const std::string& uri) {
  ListenAddress address;
  address.kind = ListenAddress::Kind::kTcp;
  std::string host_port = rest;
  if (auto slash = host_port.find('/'); slash != std::string::npos) {
    host_port.resize(slash);
  }
  std::string port;
  if (host_port.starts_with("[")) {
    auto close = host_port.find(']');
    if (close == std::string::npos || close + 1 >= host_port.size() || host_port[close + 1] != ':') {
      fail(ErrorCode::kInvalidArgument,
           "invalid service URI \"{}\": write an IPv6 address as tcp://[ADDRESS]:PORT", uri);
    }
    address.host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    auto colon = host_port.rfind(':');
    if (colon == std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "invalid service URI \"{}\": a TCP URI needs a port",
           uri);
    }
    address.host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  if (address.host.empty()) address.host = "0.0.0.0";
  address.port = parse_port(port, uri);
  return address;
}

// Whether a process accepts connections on the unix socket at path.
bool someone_listens(const std::string& path) {
  os::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

os::Fd open_unix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    fail(ErrorCode::kInvalidArgument, "socket path \"{}\" is longer than {} bytes", path,
         sizeof addr.sun_path - 1);
  }
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      fail(ErrorCode::kAlreadyExists,
           "{} exists and is not a socket: remove it or choose another path", path);
    }
    if (someone_listens(path)) {
      fail(ErrorCode::kAlreadyExists,
           "another service already listens on {}: stop it or choose another path", path);
    }
    ::unlink(path.c_str());
  }
  os::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) fail_errno(errno, "creating a unix socket");
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  // The socket is made 0660 before anyone can connect: bind under a umask
  // that leaves no bits for others.
  mode_t old_mask = ::umask(0117);
  int bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) fail_errno(bind_errno, "binding " + path);
  if (::listen(fd.get(), SOMAXCONN) != 0) fail_errno(errno, "listening on " + path);
  return fd;
}

os::Fd open_tcp(const ListenAddress& address) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(address.port);
  if (int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    fail(ErrorCode::kInvalidArgument, "cannot listen on {}:{}: {}", address.host, address.port,
         ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  os::Fd fd(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) fail_errno(errno, "creating a TCP socket");
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  std::string where = address.host + ":" + port;
  if (::bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0) {
    fail_errno(errno, "binding " + where);
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) fail_errno(errno, "listening on " + where);
  return fd;
}

}  // namespace

ListenAddress parse_listen_uri(const std::string& uri) {
  if (uri.starts_with("unix://")) {
    ListenAddress address;
    address.path = uri.substr(7);
    if (address.path.empty() || address.path.front() != '/') {
      fail(ErrorCode::kInvalidArgument,
           "invalid service URI \"{}\": a unix socket needs an absolute path, as unix:///run/x.sock",
           uri);
    }
    return address;
  }
  if (uri.starts_with("tcp://")) return parse_tcp(uri.substr(6), uri);
  fail(ErrorCode::kInvalidArgument,
       "invalid service URI \"{}\": use unix:///PATH or tcp://HOST:PORT", uri);
}

os::Fd open_listener(const ListenAddress& address) {
  return address.kind == ListenAddress::Kind::kUnix ? open_unix(address.path) : open_tcp(address);
}

std::vector<int> activation_sockets() {
  const char* pid_text = std::getenv("LISTEN_PID");
  const char* count_text = std::getenv("LISTEN_FDS");
  std::vector<int> fds;
  if (pid_text && count_text && std::atol(pid_text) == static_cast<long>(::getpid())) {
    int count = std::atoi(count_text);
    // The protocol passes sockets from fd 3 on (SD_LISTEN_FDS_START).
    for (int fd = 3; fd < 3 + count; ++fd) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      fds.push_back(fd);
    }
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return fds;
}

}  // namespace berth::api
