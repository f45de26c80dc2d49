// The REST service's event loop and connections. One thread watches the
// listeners and every idle keep-alive connection with epoll, and serves
// quick requests (ping, version, lists) itself, so a busy client costs no
// thread wake-up per request. A request that may wait (start, wait, pull,
// attach, streams) moves its connection to a thread of its own, which
// keeps it until it closes. The idle timeout counts only time with no
// request in flight; SIGTERM stops cleanly.

#include "api/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "api/connection.hpp"
#include "api/exchange.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "engine/engine.hpp"

namespace berth::api {

namespace {

using Clock = std::chrono::steady_clock;

// The write end of the pipe the signal handler wakes the accept loop with.
int g_signal_pipe = -1;

void on_stop_signal(int) {
  char byte = 1;
  [[maybe_unused]] auto written = ::write(g_signal_pipe, &byte, 1);
}

// The state the accept loop and the connection threads share.
class ServerState {
 public:
  // Registers a connection; false when the service is stopping.
  bool add(Connection* connection) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    connections_.insert(connection);
    return true;
  }
  void remove(Connection* connection) {
    std::lock_guard lock(mutex_);
    connections_.erase(connection);
    busy_.erase(connection);
    changed_.notify_all();
    if (busy_.empty()) idle_since_ = Clock::now();
  }
  // A request started on connection; false when the service is stopping.
  bool begin_request(Connection* connection) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    busy_.insert(connection);
    return true;
  }
  void end_request(Connection* connection) {
    std::lock_guard lock(mutex_);
    busy_.erase(connection);
    if (busy_.empty()) idle_since_ = Clock::now();
    changed_.notify_all();
  }
  // How long until the idle timeout expires; nullopt while a request runs.
  std::optional<Clock::duration> idle_left(std::chrono::seconds timeout) {
    std::lock_guard lock(mutex_);
    if (!busy_.empty()) return std::nullopt;
    return idle_since_ + timeout - Clock::now();
  }
  // Stops: idle connections and streams are shut down at once, and
  // requests in flight finish. Streams get up to kStreamGrace to end: their
  // handlers see the shut-down socket as a hang-up, and a build uses the
  // time to kill its RUN step and remove its container. A stream still
  // running then is not waited for.
  void stop() {
    constexpr auto kStreamGrace = std::chrono::seconds(5);
    std::unique_lock lock(mutex_);
    stopping_ = true;
    auto deadline = Clock::now() + kStreamGrace;
    for (;;) {
      for (auto* connection : connections_) {
        if (!busy_.contains(connection) || connection->streaming) {
          ::shutdown(connection->fd(), SHUT_RDWR);
        }
      }
      if (connections_.empty()) return;
      bool only_streams = std::all_of(connections_.begin(), connections_.end(),
                                      [](Connection* c) { return c->streaming.load(); });
      if (only_streams && Clock::now() >= deadline) {
        spdlog::info("api: stopping with {} streams still open", connections_.size());
        return;
      }
      changed_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;                // guarded by mutex_
  std::set<Connection*> connections_;    // guarded by mutex_
  std::set<Connection*> busy_;           // guarded by mutex_
  Clock::time_point idle_since_ = Clock::now();  // guarded by mutex_
};

// A new X-Reference-Id: a random prefix drawn once per process and a
// counter, so a response costs no getrandom call.
std::string next_reference_id() {
  static const std::string prefix = random_id().substr(0, 16);
  static std::atomic<std::uint64_t> counter{0};
  return fmt::format("{}{:016x}", prefix, ++counter);
}

void reply_error(Exchange& exchange, const std::exception& error) {
  auto status = status_for(error);
  // Client errors are the client's business; a server error is logged.
  auto level = static_cast<int>(status) >= 500 ? spdlog::level::warn : spdlog::level::debug;
  auto method = http::to_string(exchange.method());
  spdlog::log(level, "api: {} {} {}: {}", static_cast<int>(status),
              std::string(method.data(), method.size()), std::string(exchange.path()),
              error.what());
  if (exchange.streaming()) {
    // Headers are out: the error goes into the stream as a JSON line.
    exchange.write_chunk(
        json_text(nlohmann::json{{"message", error.what()}, {"error", error.what()}}) + "\n");
    exchange.end_stream();
    return;
  }
  if (!exchange.replied()) exchange.reply_json(status, error_body(error, status));
}

// The route of the request whose header the connection holds. Throws for
// a path the router cannot split or decode.
Router::Match route_of(const Router& router, Connection& connection) {
  std::string_view target(connection.request().target().data(),
                          connection.request().target().size());
  return router.find(connection.request().method(),
                     strip_version(target.substr(0, target.find('?'))));
}

// Serves one request whose header has been read; match is its route when
// the caller looked it up already.
void serve_request(const Router& router, Connection& connection,
                   std::optional<Router::Match> known = std::nullopt) {
  const auto& request = connection.request();
  std::string_view target(request.target().data(), request.target().size());
  auto question = target.find('?');
  std::string_view path = strip_version(target.substr(0, question));
  std::string_view query_text =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  bool libpod = path.starts_with("/libpod/") || path == "/libpod";
  if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("api: {} {}", std::string(request.method_string()), std::string(target));
  }

  Router::Match match;
  Query query;
  try {
    match = known ? std::move(*known) : router.find(request.method(), path);
    query = Query(query_text);
  } catch (const std::exception& e) {
    Exchange exchange(connection, {}, {}, libpod);
    reply_error(exchange, e);
    return;
  }
  Exchange exchange(connection, std::move(match.params), std::move(query), libpod);
  try {
    if (!match.handler) {
      auto status = match.method_not_allowed ? http::status::method_not_allowed
                                             : http::status::not_found;
      std::string message = match.method_not_allowed
                                ? "method " + std::string(request.method_string()) +
                                      " is not allowed on " + std::string(path)
                                : "no route for " + std::string(request.method_string()) + " " +
                                      std::string(path);
      exchange.reply_json(status, nlohmann::json{{"cause", match.method_not_allowed ? "method not allowed"
                                                                      : "page not found"},
                                   {"message", message},
                                   {"response", static_cast<int>(status)}});
      return;
    }
    (*match.handler)(exchange);
    if (!exchange.replied()) {
      throw Error(ErrorCode::kInternal, "the handler sent no response");
    }
  } catch (const std::exception& e) {
    reply_error(exchange, e);
  }
  if (exchange.streaming()) exchange.end_stream();
}

// Replies 400 to a request that could not be parsed; the connection then
// closes. End of stream and resets get no reply.
void reply_malformed(Connection& connection, boost::beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
      ec == boost::asio::error::connection_reset || ec == boost::asio::error::not_connected) {
    return;
  }
  http::response<http::string_body> response(http::status::bad_request, 11);
  connection.add_common_headers(response.base());
  response.set(http::field::content_type, "application/json");
  response.body() = json_text(nlohmann::json{{"cause", "bad request"},
                                             {"message", "malformed HTTP request: " + ec.message()},
                                             {"response", 400}}) +
                    "\n";
  response.prepare_payload();
  response.keep_alive(false);
  http::write(connection.socket(), response, ec);
}

// Starts reading the next request's header: a fresh parser and no body.
void begin_header(Connection& connection) {
  auto& header = connection.header_parser();
  header.emplace();
  header->header_limit(64 * 1024);
  // The header parser does not read the body, but Beast checks a
  // Content-Length against its body limit (1 MiB by default) already.
  // Exchange::body() applies the real limit; routes that stream a body
  // have none. (boost::none here breaks in Beast 1.74, so the maximum.)
  header->body_limit(std::numeric_limits<std::uint64_t>::max());
  connection.body().reset();
  connection.full_request().reset();
}

// Serves the request whose header the connection holds, then drains what
// the handler left of its body. Returns false when the connection must
// close.
bool serve_held_request(const Router& router, ServerState& state, Connection& connection,
                        std::optional<Router::Match> known = std::nullopt) {
  if (!state.begin_request(&connection)) return false;
  connection.close_after = !connection.keep_alive();
  serve_request(router, connection, std::move(known));
  // A body the handler left unread is drained when small; else the
  // connection closes, since the next request would start inside it.
  if (!connection.close_after && !connection.body() && !connection.header_parser()->is_done()) {
    auto length = connection.header_parser()->content_length();
    if (length && *length <= (1u << 20)) {
      http::request_parser<http::string_body> rest(std::move(*connection.header_parser()));
      boost::beast::error_code ec;
      http::read(connection.socket(), connection.buffer(), rest, ec);
      if (ec) connection.close_after = true;
    } else {
      connection.close_after = true;
    }
  }
  state.end_request(&connection);
  return !connection.close_after;
}

// Serves the requests of one connection until it closes, reading with
// blocking calls; the first request's header may be held already.
void serve_requests(const Router& router, ServerState& state, Connection& connection,
                    bool header_held) {
  for (;;) {
    if (!header_held) {
      begin_header(connection);
      boost::beast::error_code ec;
      http::read_header(connection.socket(), connection.buffer(), *connection.header_parser(), ec);
      if (ec) {
        reply_malformed(connection, ec);
        break;
      }
    }
    header_held = false;
    if (!serve_held_request(router, state, connection)) break;
  }
}

// Runs on the connection's own thread; state.add(connection) was called.
void serve_connection(const Router& router, ServerState& state, std::unique_ptr<Connection> owned,
                      bool header_held) {
  Connection& connection = *owned;
  try {
    serve_requests(router, state, connection, header_held);
  } catch (const std::exception& e) {
    // Nothing may end the service from a connection's thread.
    spdlog::warn("api: connection closed after an error: {}", e.what());
    state.end_request(&connection);
  }
  boost::beast::error_code ignored;
  connection.socket().shutdown(Connection::Socket::shutdown_both, ignored);
  state.remove(&connection);
}

}  // namespace

Connection::Connection(boost::asio::io_context& io, int fd,
                       std::function<std::unique_ptr<engine::Engine>()> make_engine)
    : socket_(io), make_engine_(std::move(make_engine)) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  int protocol = address.ss_family == AF_UNIX ? 0 : IPPROTO_TCP;
  socket_.assign(boost::asio::generic::stream_protocol(address.ss_family, protocol), fd);
}

Connection::~Connection() = default;

void Connection::add_common_headers(http::fields& fields) {
  fields.set(http::field::server, "Libpod/5.0.0 (linux)");
  fields.set("API-Version", kCompatApiVersion);
  fields.set("Libpod-API-Version", kLibpodApiVersion);
  fields.set("OSType", "linux");
  std::string reference;
  if (header_) {
    auto it = header_->get().find("X-Reference-Id");
    if (it != header_->get().end()) reference = std::string(it->value());
  }
  if (reference.empty()) reference = next_reference_id();
  fields.set("X-Reference-Id", reference);
}

engine::Engine& Connection::engine() {
  auto& slot = lent_engine_ ? *lent_engine_ : engine_;
  if (!slot) slot = make_engine_();
  return *slot;
}

namespace {

// The event loop's next step for an idle connection that became readable.
enum class Next {
  kKeep,            // wait in the epoll set for more bytes
  kClose,           // close the connection
  kHandOff,         // a thread serves the request whose header was read
  kHandOffUnread,   // a thread reads the request itself (header not parsed)
};

// The event loop: the listeners, the signal pipe and the idle connections
// in one epoll set, all on the thread that called serve.
class EventLoop {
 public:
  EventLoop(const Router& router, ServerState& state, ServiceOptions& options)
      : router_(router), state_(state), options_(options) {
    epoll_ = os::Fd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) fail_errno(errno, "creating an epoll instance");
  }

  void watch(int fd, std::uint64_t tag) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = tag;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
      fail_errno(errno, "watching a socket");
    }
  }

  // Runs until a signal or the idle timeout.
  void run(int wake_fd) {
    constexpr std::uint64_t kWake = ~0ull;
    constexpr std::uint64_t kListener = 1ull << 63;
    for (std::size_t i = 0; i < options_.listeners.size(); ++i) {
      watch(options_.listeners[i].get(), kListener | i);
    }
    watch(wake_fd, kWake);
    auto timeout = std::chrono::seconds(options_.idle_timeout_seconds);
    epoll_event events[64];
    for (;;) {
      int wait_ms = -1;
      if (options_.idle_timeout_seconds > 0) {
        if (auto left = state_.idle_left(timeout)) {
          if (*left <= Clock::duration::zero()) {
            spdlog::debug("api: idle for {} s, stopping", options_.idle_timeout_seconds);
            return;
          }
          wait_ms = static_cast<int>(
              std::chrono::duration_cast<std::chrono::milliseconds>(*left).count() + 1);
        } else {
          wait_ms = 1000;  // a request runs: look again when it may have ended
        }
      }
      int ready = ::epoll_wait(epoll_.get(), events, 64, wait_ms);
      if (ready < 0 && errno != EINTR) fail_errno(errno, "waiting for connections");
      for (int i = 0; i < ready; ++i) {
        std::uint64_t tag = events[i].data.u64;
        if (tag == kWake) {
          spdlog::debug("api: stopping on a signal");
          return;
        }
        if (tag & kListener) {
          accept_one(options_.listeners[tag & ~kListener].get());
        } else {
          readable(static_cast<int>(tag));
        }
      }
    }
  }

  // Closes the idle connections; busy ones belong to their threads.
  void close_idle() {
    for (auto& [fd, connection] : idle_) state_.remove(connection.get());
    idle_.clear();
  }

 private:
  void accept_one(int listener) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    auto connection = std::make_unique<Connection>(io_, fd, options_.make_engine);
    if (!state_.add(connection.get())) return;
    watch(fd, static_cast<std::uint64_t>(fd));
    idle_[fd] = std::move(connection);
  }

  void readable(int fd) {
    auto it = idle_.find(fd);
    if (it == idle_.end()) return;
    Next next = Next::kClose;
    try {
      next = serve_ready(*it->second);
    } catch (const std::exception& e) {
      spdlog::warn("api: connection closed after an error: {}", e.what());
      state_.end_request(it->second.get());
    }
    if (next == Next::kKeep) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    auto connection = std::move(it->second);
    idle_.erase(it);
    if (next == Next::kHandOff || next == Next::kHandOffUnread) {
      std::thread(serve_connection, std::cref(router_), std::ref(state_), std::move(connection),
                  next == Next::kHandOff)
          .detach();
      return;
    }
    boost::beast::error_code ignored;
    connection->socket().shutdown(Connection::Socket::shutdown_both, ignored);
    state_.remove(connection.get());
  }

  // Reads what the client sent and serves each complete request that is
  // quick. Reads once per readiness, without blocking: a client that sends
  // half a header waits in the epoll set, not on a thread.
  Next serve_ready(Connection& connection) {
    auto& buffer = connection.buffer();
    auto space = buffer.prepare(16 * 1024);
    ssize_t got = ::recv(connection.fd(), space.data(), space.size(), MSG_DONTWAIT);
    if (got == 0) return Next::kClose;
    if (got < 0) return errno == EAGAIN || errno == EINTR ? Next::kKeep : Next::kClose;
    buffer.commit(static_cast<std::size_t>(got));
    for (;;) {
      auto data = buffer.data();
      std::string_view held(static_cast<const char*>(data.data()), data.size());
      if (held.empty()) return Next::kKeep;
      if (held.find("\r\n\r\n") == std::string_view::npos) {
        // A header larger than the limit fails on the thread with a 400;
        // the thread parses it, since it was not parsed here.
        return held.size() > 64 * 1024 ? Next::kHandOffUnread : Next::kKeep;
      }
      begin_header(connection);
      boost::beast::error_code ec;
      // The whole header is buffered, so this reads nothing.
      http::read_header(connection.socket(), buffer, *connection.header_parser(), ec);
      if (ec) {
        reply_malformed(connection, ec);
        return Next::kClose;
      }
      std::optional<Router::Match> match;
      try {
        match = route_of(router_, connection);
      } catch (const std::exception&) {
        return Next::kHandOff;  // the thread replies with the error
      }
      if (!match->quick || !connection.header_parser()->is_done()) return Next::kHandOff;
      connection.lend_engine(&engine_);
      bool keep = serve_held_request(router_, state_, connection, std::move(match));
      connection.lend_engine(nullptr);
      if (!keep) return Next::kClose;
    }
  }

  const Router& router_;
  ServerState& state_;
  ServiceOptions& options_;
  boost::asio::io_context io_;
  os::Fd epoll_;
  std::unordered_map<int, std::unique_ptr<Connection>> idle_;
  // The engine of requests served on this thread.
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace

int serve(const Router& router, ServiceOptions options) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) fail_errno(errno, "creating a pipe");
  os::Fd wake_read(pipe_fds[0]), wake_write(pipe_fds[1]);
  g_signal_pipe = wake_write.get();
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  // A client that hangs up must not kill the service; writes fail with
  // EPIPE instead. (berth-monitor restores SIGPIPE for containers.)
  ::signal(SIGPIPE, SIG_IGN);

  // Never freed on purpose, because a stream that the stop does not wait
  // for still uses it until the process exits. The loop is leaked with
  // it: its io_context backs every connection's socket.
  auto& state = *new ServerState;
  auto& loop = *new EventLoop(router, state, options);
  loop.run(wake_read.get());
  options.listeners.clear();
  for (const auto& path : options.socket_paths) ::unlink(path.c_str());
  loop.close_idle();
  state.stop();
  return 0;
}

}  // namespace berth::api
