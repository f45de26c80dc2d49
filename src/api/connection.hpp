#pragma once

// The service's side of one client connection (internal to src/api).

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace berth::engine {
class Engine;
}

namespace berth::api {

namespace http = boost::beast::http;

class Connection {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;

  Connection(boost::asio::io_context& io, int fd,
             std::function<std::unique_ptr<engine::Engine>()> make_engine);
  ~Connection();

  Socket& socket() { return socket_; }
  int fd() { return socket_.native_handle(); }
  boost::beast::flat_buffer& buffer() { return buffer_; }

  // The request being served: its header, and the parser that reads its
  // body on demand.
  std::optional<http::request_parser<http::empty_body>>& header_parser() { return header_; }
  const http::request_header<>& request() {
    if (full_) return full_->base();
    return header_->get().base();
  }
  bool keep_alive() { return full_ ? full_->keep_alive() : header_->keep_alive(); }
  // The body once read; reading marks it consumed.
  std::optional<std::string>& body() { return body_; }
  // The whole request once its body was read (the header parser is then
  // spent).
  std::optional<http::request<http::string_body>>& full_request() { return full_; }

  // Writes the standard headers every response carries.
  void add_common_headers(http::fields& fields);

  // The engine requests use: the connection's own, made on first use, or
  // while lent, the event loop's (one engine per thread, since an engine
  // keeps a database connection that threads cannot share).
  engine::Engine& engine();
  void lend_engine(std::unique_ptr<engine::Engine>* slot) { lent_engine_ = slot; }

  // Set when the connection must close after this response (hijacked, a
  // stream ended, the body was left unread, or the client asked).
  bool close_after = false;
  bool hijacked = false;
  // While a streaming response runs, so a shutdown can cut it.
  std::atomic<bool> streaming{false};

 private:
  Socket socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_;
  std::optional<std::string> body_;
  std::optional<http::request<http::string_body>> full_;
  std::function<std::unique_ptr<engine::Engine>()> make_engine_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<engine::Engine>* lent_engine_ = nullptr;
};

}  // namespace berth::api
