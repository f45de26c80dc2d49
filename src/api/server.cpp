// The REST service's accept loop and connections: one thread per
// connection, an idle timeout that counts only time with no request in
// flight, and a clean stop on SIGTERM.

#include "api/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

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
  // Stops: idle connections and streams are shut down at once; requests
  // in flight finish; returns when only streams are left. A stream whose
  // handler waits for its next item (an event, a log line) notices the
  // shut-down socket only then, so it is not waited for.
  void stop() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    for (;;) {
      for (auto* connection : connections_) {
        if (!busy_.contains(connection) || connection->streaming) {
          ::shutdown(connection->fd(), SHUT_RDWR);
        }
      }
      bool only_streams = std::all_of(connections_.begin(), connections_.end(),
                                      [](Connection* c) { return c->streaming.load(); });
      if (only_streams) return;
      changed_.wait_for(lock, std::chrono::milliseconds(200));
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

// Serves one request whose header has been read.
void serve_request(const Router& router, Connection& connection) {
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
    match = router.find(request.method(), path);
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

// Serves the requests of one connection until it closes.
void serve_requests(const Router& router, ServerState& state, Connection& connection) {
  for (;;) {
    auto& header = connection.header_parser();
    header.emplace();
    header->header_limit(64 * 1024);
    connection.body().reset();
    connection.full_request().reset();
    boost::beast::error_code ec;
    http::read_header(connection.socket(), connection.buffer(), *header, ec);
    if (ec) {
      if (ec != http::error::end_of_stream && ec != boost::asio::error::eof &&
          ec != boost::asio::error::connection_reset && ec != boost::asio::error::not_connected) {
        // A malformed request gets a 400 before the connection closes.
        http::response<http::string_body> response(http::status::bad_request, 11);
        response.set(http::field::content_type, "application/json");
        response.body() = json_text(nlohmann::json{
                              {"cause", "bad request"},
                              {"message", "malformed HTTP request: " + ec.message()},
                              {"response", 400}}) +
                          "\n";
        response.prepare_payload();
        response.keep_alive(false);
        http::write(connection.socket(), response, ec);
      }
      break;
    }
    if (!state.begin_request(&connection)) break;
    connection.close_after = !connection.keep_alive();
    serve_request(router, connection);
    // A body the handler left unread is drained when small; else the
    // connection closes, since the next request would start inside it.
    if (!connection.close_after && !connection.body() && !connection.header_parser()->is_done()) {
      auto length = connection.header_parser()->content_length();
      if (length && *length <= (1u << 20)) {
        http::request_parser<http::string_body> rest(std::move(*connection.header_parser()));
        http::read(connection.socket(), connection.buffer(), rest, ec);
        if (ec) connection.close_after = true;
      } else {
        connection.close_after = true;
      }
    }
    state.end_request(&connection);
    if (connection.close_after) break;
  }
}

// Runs on the connection's own thread; state.add(connection) was called.
void serve_connection(const Router& router, ServerState& state, std::unique_ptr<Connection> owned) {
  Connection& connection = *owned;
  try {
    serve_requests(router, state, connection);
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
  if (!engine_) engine_ = make_engine_();
  return *engine_;
}

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

  boost::asio::io_context io;
  // Never freed on purpose, because a stream that the stop does not wait
  // for still uses it until the process exits.
  auto& state = *new ServerState;
  std::vector<pollfd> polled;
  for (const auto& listener : options.listeners) {
    polled.push_back({listener.get(), POLLIN, 0});
  }
  polled.push_back({wake_read.get(), POLLIN, 0});
  auto timeout = std::chrono::seconds(options.idle_timeout_seconds);

  for (;;) {
    int wait_ms = -1;
    if (options.idle_timeout_seconds > 0) {
      if (auto left = state.idle_left(timeout)) {
        if (*left <= Clock::duration::zero()) {
          spdlog::debug("api: idle for {} s, stopping", options.idle_timeout_seconds);
          break;
        }
        wait_ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(*left).count() + 1);
      } else {
        wait_ms = 1000;  // a request runs: look again when it may have ended
      }
    }
    int ready = ::poll(polled.data(), polled.size(), wait_ms);
    if (ready < 0 && errno != EINTR) fail_errno(errno, "waiting for connections");
    if (ready <= 0) continue;
    if (polled.back().revents & POLLIN) {
      spdlog::debug("api: stopping on a signal");
      break;
    }
    for (std::size_t i = 0; i + 1 < polled.size(); ++i) {
      if (!(polled[i].revents & POLLIN)) continue;
      int fd = ::accept4(polled[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      auto connection = std::make_unique<Connection>(io, fd, options.make_engine);
      if (!state.add(connection.get())) continue;
      std::thread(serve_connection, std::cref(router), std::ref(state), std::move(connection))
          .detach();
    }
  }
  options.listeners.clear();
  for (const auto& path : options.socket_paths) ::unlink(path.c_str());
  state.stop();
  return 0;
}

}  // namespace berth::api
