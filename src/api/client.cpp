// The remote client's HTTP layer: URL parsing, the unix, TCP and SSH
// transports, and Beast requests over a connected socket.

#include "api/client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include <ostream>  // boost 1.74 beast headers use std::ostream without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <fmt/ranges.h>

#include "common/log.hpp"
#include "os/file.hpp"
#include "os/process.hpp"

namespace berth::api {

namespace http = boost::beast::http;

namespace {

int parse_port(std::string_view text, std::string_view url) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    fail(ErrorCode::kInvalidArgument, "invalid port \"{}\" in URL \"{}\": use a number of 1 to 65535",
         text, url);
  }
  return port;
}

// Splits "HOST:PORT" or "[V6]:PORT"; port stays "" when absent.
std::pair<std::string, std::string> split_host_port(std::string_view authority) {
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == authority.npos) return {std::string(authority), ""};
    std::string host(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    return {host, rest.starts_with(":") ? std::string(rest.substr(1)) : ""};
  }
  auto colon = authority.rfind(':');
  if (colon == authority.npos) return {std::string(authority), ""};
  return {std::string(authority.substr(0, colon)), std::string(authority.substr(colon + 1))};
}

os::Fd connect_unix(const std::string& path, const std::string& url) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    fail(ErrorCode::kInvalidArgument, "socket path \"{}\" is longer than {} bytes", path,
         sizeof address.sun_path - 1);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  os::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) fail_errno(errno, "creating a unix socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot connect to the service at {}: {}: check that `berth system "
                            "service` runs there, or the URL and connection you chose",
                            url, std::strerror(errno)),
                errno);
  }
  return fd;
}

class UnixTransport : public Transport {
 public:
  explicit UnixTransport(ServiceUrl url) : url_(std::move(url)) {}
  os::Fd connect() override { return connect_unix(url_.path, url_.text()); }

 private:
  ServiceUrl url_;
};

class TcpTransport : public Transport {
 public:
  explicit TcpTransport(ServiceUrl url) : url_(std::move(url)) {}

  os::Fd connect() override {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(url_.port);
    if (int rc = ::getaddrinfo(url_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      fail(ErrorCode::kUnavailable, "cannot resolve the host of {}: {}", url_.text(),
           ::gai_strerror(rc));
    }
    int last_errno = 0;
    for (addrinfo* a = found; a; a = a->ai_next) {
      os::Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
      if (fd && ::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
        ::freeaddrinfo(found);
        return fd;
      }
      last_errno = errno;
    }
    ::freeaddrinfo(found);
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot connect to the service at {}: {}", url_.text(),
                            std::strerror(last_errno)),
                last_errno);
  }

 private:
  ServiceUrl url_;
};

// Forwards a unix socket in a private directory to the service's socket
// on the remote host through one `ssh -N -L` process, which lives as long
// as this object (and dies with this process through PR_SET_PDEATHSIG).
class SshTransport : public Transport {
 public:
  SshTransport(ServiceUrl url, const std::string& identity) : url_(std::move(url)) {
    try {
      start(identity);
    } catch (...) {
      // The destructor does not run for a constructor that throws.
      stop();
      throw;
    }
  }

  ~SshTransport() override { stop(); }

  os::Fd connect() override { return connect_unix(local_socket_, url_.text()); }

 private:
  // Stops ssh and removes the private directory.
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }

  void start(const std::string& identity) {
    auto ssh = os::find_in_path("ssh");
    if (!ssh) {
      fail(ErrorCode::kUnavailable,
           "cannot reach {}: the OpenSSH client `ssh` is not in PATH: install openssh-client",
           url_.text());
    }
    char pattern[] = "/tmp/berth-ssh-XXXXXX";
    if (!::mkdtemp(pattern)) fail_errno(errno, "creating a directory for the ssh socket");
    dir_ = pattern;
    local_socket_ = dir_ + "/service.sock";
    std::string error_file = dir_ + "/ssh.err";

    std::vector<std::string> args = {*ssh,
                                     "-N",
                                     "-o", "BatchMode=yes",
                                     "-o", "ExitOnForwardFailure=yes",
                                     "-o", "StreamLocalBindUnlink=yes",
                                     "-o", "ControlMaster=no",
                                     "-L", local_socket_ + ":" + url_.path};
    if (!identity.empty()) {
      args.insert(args.end(), {"-i", identity, "-o", "IdentitiesOnly=yes"});
    }
    if (url_.port) args.insert(args.end(), {"-p", std::to_string(url_.port)});
    args.push_back("--");
    args.push_back(url_.user.empty() ? url_.host : url_.user + "@" + url_.host);
    spdlog::debug("remote: starting {}", fmt::join(args, " "));

    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    os::Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    os::Fd err_fd(::open(error_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!null_fd || !err_fd) fail_errno(errno, "opening the files for the ssh client");
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) fail_errno(errno, "starting ssh");
    if (pid_ == 0) {
      // Only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(255);
      ::dup2(null_fd.get(), STDIN_FILENO);
      ::dup2(null_fd.get(), STDOUT_FILENO);
      ::dup2(err_fd.get(), STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    wait_until_ready(error_file);
  }

  // Waits until ssh listens on the local socket, or throws its message
  // when it exits first.
  void wait_until_ready(const std::string& error_file) {
    constexpr auto kLimit = std::chrono::seconds(30);
    auto deadline = std::chrono::steady_clock::now() + kLimit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        std::string message = os::read_file_if_exists(error_file).value_or("");
        while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
          message.pop_back();
        }
        for (auto& c : message) {
          if (c == '\n' || c == '\r') c = ' ';
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        fail(ErrorCode::kUnavailable, "cannot connect to {}: ssh exited with status {}: {}",
             url_.text(), code, message.empty() ? "no message" : message);
      }
      struct stat st {};
      if (::stat(local_socket_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    fail(ErrorCode::kUnavailable, "cannot connect to {}: ssh did not log in within {} seconds",
         url_.text(), kLimit.count());
  }

  ServiceUrl url_;
  std::string dir_;
  std::string local_socket_;
  pid_t pid_ = -1;
};

std::optional<ErrorCode> code_by_name(std::string_view name) {
  for (auto code : {ErrorCode::kInternal, ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
                    ErrorCode::kAlreadyExists, ErrorCode::kConflict, ErrorCode::kPermissionDenied,
                    ErrorCode::kUnauthorized, ErrorCode::kUnavailable, ErrorCode::kDigestMismatch,
                    ErrorCode::kCommandNotFound, ErrorCode::kCommandNotExecutable}) {
    if (error_code_name(code) == name) return code;
  }
  return std::nullopt;
}

}  // namespace

// One HTTP exchange on a fresh connection.
class ClientSession {
 public:
  ClientSession(os::Fd fd, std::string registry_auth)
      : stream_(io_, fd.release()), registry_auth_(std::move(registry_auth)) {}

  void write(std::string_view method, const std::string& target, const std::string& body,
             std::string_view content_type, bool upgrade) {
    http::request<http::string_body> request(http::string_to_verb(boost::beast::string_view(method.data(), method.size())), target, 11);
    request.set(http::field::host, "d");
    request.set(http::field::user_agent, "berth/0.1.0");
    if (!registry_auth_.empty()) request.set("X-Registry-Auth", registry_auth_);
    if (upgrade) {
      request.set(http::field::connection, "Upgrade");
      request.set(http::field::upgrade, "tcp");
    }
    if (!body.empty()) {
      request.set(http::field::content_type,
                  boost::beast::string_view(content_type.data(), content_type.size()));
      request.body() = body;
    }
    request.prepare_payload();
    boost::beast::error_code ec;
    http::write(stream_, request, ec);
    if (ec) fail(ErrorCode::kUnavailable, "sending {} {}: {}", method, target, ec.message());
  }

  // Sends the header with chunked transfer, then body_fd's bytes.
  void write_fd(std::string_view method, const std::string& target, int body_fd,
                std::string_view content_type) {
    http::request<http::empty_body> request(http::string_to_verb(boost::beast::string_view(method.data(), method.size())), target, 11);
    request.set(http::field::host, "d");
    request.set(http::field::user_agent, "berth/0.1.0");
    if (!registry_auth_.empty()) request.set("X-Registry-Auth", registry_auth_);
    request.set(http::field::content_type,
                boost::beast::string_view(content_type.data(), content_type.size()));
    request.chunked(true);
    http::request_serializer<http::empty_body> serializer(request);
    boost::beast::error_code ec;
    http::write_header(stream_, serializer, ec);
    char buffer[65536];
    while (!ec) {
      ssize_t n = ::read(body_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(errno, "reading the request body");
      if (n == 0) {
        boost::asio::write(stream_, http::make_chunk_last(), ec);
        break;
      }
      boost::asio::write(
          stream_, http::make_chunk(boost::asio::const_buffer(buffer, static_cast<size_t>(n))), ec);
    }
    if (ec) fail(ErrorCode::kUnavailable, "sending {} {}: {}", method, target, ec.message());
  }

  // Reads the reply's header; returns its status.
  int read_header(const std::string& target) {
    // Beast 1.74 compares the Content-Length with an empty optional as
    // larger than any limit, so "no limit" is written as the maximum.
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    // Beast's default of 8 KiB is too small for the progress header of a
    // save of many layers; Go's HTTP client allows 1 MiB.
    parser_.header_limit(1 << 20);
    boost::beast::error_code ec;
    http::read_header(stream_, buffer_, parser_, ec);
    if (ec) {
      fail(ErrorCode::kUnavailable, "reading the reply to {}: {}", target, ec.message());
    }
    return parser_.get().result_int();
  }

  // Passes the body to on_data as it arrives.
  void read_body(const std::string& target, const std::function<bool(std::string_view)>& on_data) {
    char chunk[65536];
    while (!parser_.is_done()) {
      parser_.get().body().data = chunk;
      parser_.get().body().size = sizeof chunk;
      boost::beast::error_code ec;
      // read_some hands over each piece as it arrives: http::read would
      // wait until the whole chunk buffer fills, which holds back a slow
      // stream such as events or logs --follow.
      http::read_some(stream_, buffer_, parser_, ec);
      if (ec == http::error::need_buffer) ec = {};
      std::size_t n = sizeof chunk - parser_.get().body().size;
      if (n > 0 && !on_data(std::string_view(chunk, n))) return;
      if (ec == http::error::end_of_stream || ec == boost::asio::error::eof) return;
      if (ec == http::error::partial_message) {
        // The path alone names the request; the query only adds noise.
        fail(ErrorCode::kUnavailable,
             "the service closed the connection in the middle of the reply to {}: it may have "
             "been stopped or have failed; check its log",
             target.substr(0, target.find('?')));
      }
      if (ec) fail(ErrorCode::kUnavailable, "reading the reply to {}: {}", target, ec.message());
    }
  }

  std::string read_all(const std::string& target) {
    std::string body;
    read_body(target, [&](std::string_view data) {
      body.append(data);
      return true;
    });
    return body;
  }

  http::response_parser<http::buffer_body>& parser() { return parser_; }

  // Returns the socket and the bytes read past the header.
  std::pair<os::Fd, std::string> release() {
    auto data = buffer_.data();
    std::string pending(static_cast<const char*>(data.data()), data.size());
    return {os::Fd(stream_.release()), std::move(pending)};
  }

 private:
  boost::asio::io_context io_;
  boost::asio::posix::stream_descriptor stream_;
  std::string registry_auth_;  // X-Registry-Auth value, "" for none
  boost::beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
};

std::string ServiceUrl::text() const {
  switch (scheme) {
    case Scheme::kUnix: return "unix://" + path;
    case Scheme::kTcp: {
      bool v6 = host.find(':') != std::string::npos;
      return "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }
    case Scheme::kSsh: {
      std::string out = "ssh://" + (user.empty() ? "" : user + "@") + host;
      if (port) out += ":" + std::to_string(port);
      return out + path;
    }
  }
  return "";
}

ServiceUrl parse_service_url(std::string_view url) {
  ServiceUrl out;
  auto separator = url.find("://");
  if (separator == url.npos) {
    fail(ErrorCode::kInvalidArgument,
         "invalid URL \"{}\": use unix:///PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]/PATH",
         url);
  }
  std::string_view scheme = url.substr(0, separator);
  std::string_view rest = url.substr(separator + 3);
  if (scheme == "unix") {
    out.scheme = ServiceUrl::Scheme::kUnix;
    if (!rest.starts_with("/")) {
      fail(ErrorCode::kInvalidArgument, "invalid URL \"{}\": a unix URL needs an absolute path, "
           "as in unix:///run/berth/berth.sock", url);
    }
    out.path = rest;
    return out;
  }
  if (scheme == "tcp") {
    out.scheme = ServiceUrl::Scheme::kTcp;
    auto authority = rest.substr(0, rest.find('/'));
    auto [host, port] = split_host_port(authority);
    if (host.empty() || port.empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid URL \"{}\": a tcp URL needs a host and a port, "
           "as in tcp://127.0.0.1:8080", url);
    }
    out.host = host;
    out.port = parse_port(port, url);
    return out;
  }
  if (scheme == "ssh") {
    out.scheme = ServiceUrl::Scheme::kSsh;
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (auto at = authority.rfind('@'); at != authority.npos) {
      out.user = authority.substr(0, at);
      authority = authority.substr(at + 1);
    }
    auto [host, port] = split_host_port(authority);
    if (host.empty() || slash == rest.npos || slash + 1 == rest.size()) {
      fail(ErrorCode::kInvalidArgument, "invalid URL \"{}\": an ssh URL needs a host and the "
           "socket's path, as in ssh://root@host:22/run/berth/berth.sock", url);
    }
    out.host = host;
    if (!port.empty()) out.port = parse_port(port, url);
    out.path = rest.substr(slash);
    return out;
  }
  fail(ErrorCode::kInvalidArgument,
       "invalid URL \"{}\": unknown scheme \"{}\": use unix, tcp or ssh", url, scheme);
}

std::unique_ptr<Transport> make_transport(const ServiceUrl& url, const std::string& identity) {
  switch (url.scheme) {
    case ServiceUrl::Scheme::kUnix: return std::make_unique<UnixTransport>(url);
    case ServiceUrl::Scheme::kTcp: return std::make_unique<TcpTransport>(url);
    case ServiceUrl::Scheme::kSsh: return std::make_unique<SshTransport>(url, identity);
  }
  fail(ErrorCode::kInvalidArgument, "unknown URL scheme");
}

Error error_from_reply(int status, std::string_view body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  std::string message;
  std::optional<ErrorCode> code;
  if (parsed.is_object()) {
    if (parsed.contains("message") && parsed["message"].is_string()) message = parsed["message"];
    if (parsed.contains("berth_code") && parsed["berth_code"].is_string()) {
      code = code_by_name(parsed["berth_code"].get<std::string>());
    }
  }
  if (message.empty()) {
    message = body.empty() ? fmt::format("the service replied with status {}", status)
                           : std::string(body);
    while (!message.empty() && message.back() == '\n') message.pop_back();
  }
  if (!code) {
    switch (status) {
      case 400: code = ErrorCode::kInvalidArgument; break;
      case 401: code = ErrorCode::kUnauthorized; break;
      case 404: code = ErrorCode::kNotFound; break;
      case 409: code = ErrorCode::kConflict; break;
      default: code = ErrorCode::kInternal; break;
    }
  }
  return Error(*code, message);
}

Client::Client(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {}

HttpReply Client::send(std::string_view method, const std::string& target, const std::string& body,
                       std::string_view content_type) {
  ClientSession session(transport_->connect(), registry_auth_);
  session.write(method, target, body, content_type, false);
  HttpReply reply;
  reply.status = session.read_header(target);
  reply.body = session.read_all(target);
  spdlog::debug("remote: {} {} -> {}", method, target, reply.status);
  if (reply.status >= 400) throw error_from_reply(reply.status, reply.body);
  return reply;
}

nlohmann::json Client::send_json(std::string_view method, const std::string& target,
                                 const nlohmann::json& body) {
  std::string text = body.is_null() ? "" : body.dump();
  HttpReply reply = send(method, target, text);
  if (reply.body.empty()) return nullptr;
  auto parsed = nlohmann::json::parse(reply.body, nullptr, false);
  if (parsed.is_discarded()) {
    fail(ErrorCode::kInternal, "the reply to {} {} is not JSON: {}", method, target,
         reply.body.substr(0, 200));
  }
  return parsed;
}

HttpReply Client::send_fd(std::string_view method, const std::string& target, int body_fd,
                          std::string_view content_type) {
  ClientSession session(transport_->connect(), registry_auth_);
  session.write_fd(method, target, body_fd, content_type);
  HttpReply reply;
  reply.status = session.read_header(target);
  reply.body = session.read_all(target);
  if (reply.status >= 400) throw error_from_reply(reply.status, reply.body);
  return reply;
}

void Client::stream_fd(std::string_view method, const std::string& target, int body_fd,
                       std::string_view content_type,
                       const std::function<bool(std::string_view)>& on_data) {
  ClientSession session(transport_->connect(), registry_auth_);
  session.write_fd(method, target, body_fd, content_type);
  int status = session.read_header(target);
  spdlog::debug("remote: {} {} -> {} (stream)", method, target, status);
  if (status >= 400) throw error_from_reply(status, session.read_all(target));
  session.read_body(target, on_data);
}

void Client::stream(std::string_view method, const std::string& target, const std::string& body,
                    const std::function<bool(std::string_view)>& on_data) {
  ClientSession session(transport_->connect(), registry_auth_);
  session.write(method, target, body, "application/json", false);
  int status = session.read_header(target);
  spdlog::debug("remote: {} {} -> {} (stream)", method, target, status);
  if (status >= 400) throw error_from_reply(status, session.read_all(target));
  session.read_body(target, on_data);
}

OpenReply::OpenReply(std::unique_ptr<ClientSession> session, std::string target)
    : session_(std::move(session)), target_(std::move(target)) {}
OpenReply::OpenReply(OpenReply&&) noexcept = default;
OpenReply& OpenReply::operator=(OpenReply&&) noexcept = default;
OpenReply::~OpenReply() = default;

std::string OpenReply::read_body() { return session_->read_all(target_); }

void OpenReply::read_body(const std::function<bool(std::string_view)>& on_data) {
  session_->read_body(target_, on_data);
}

std::string OpenReply::header(std::string_view name) const {
  auto value = session_->parser().get()[boost::beast::string_view(name.data(), name.size())];
  return std::string(value.data(), value.size());
}

OpenReply Client::open(std::string_view method, const std::string& target,
                       const std::string& body) {
  auto session = std::make_unique<ClientSession>(transport_->connect(), registry_auth_);
  session->write(method, target, body, "application/json", false);
  int status = session->read_header(target);
  if (status >= 400) throw error_from_reply(status, session->read_all(target));
  return OpenReply(std::move(session), target);
}

HijackedStream Client::hijack(std::string_view method, const std::string& target,
                              const std::string& body) {
  ClientSession session(transport_->connect(), registry_auth_);
  session.write(method, target, body, "application/json", true);
  int status = session.read_header(target);
  spdlog::debug("remote: {} {} -> {} (hijack)", method, target, status);
  if (status >= 400) throw error_from_reply(status, session.read_all(target));
  if (status != 101 && status != 200) {
    fail(ErrorCode::kInternal, "the service replied to {} {} with status {} instead of a stream",
         method, target, status);
  }
  auto content_type = session.parser().get()[http::field::content_type];
  HijackedStream out;
  out.multiplexed = content_type.find("multiplexed") != boost::beast::string_view::npos;
  auto [fd, pending] = session.release();
  out.socket = std::move(fd);
  out.pending = std::move(pending);
  return out;
}

}  // namespace berth::api
