#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ostream>  // see router.hpp

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "api/query.hpp"

namespace berth::engine {
class Engine;
}

namespace berth::api {

class Connection;

// The versions the service reports in every response.
inline constexpr const char* kCompatApiVersion = "1.41";
inline constexpr const char* kCompatMinApiVersion = "1.24";
inline constexpr const char* kLibpodApiVersion = "5.0.0";

// One request and its response, handed to a route's handler. A handler
// replies exactly once: with reply_*, by streaming (begin_stream, then
// write_chunk, then end_stream), or by taking the connection with hijack.
// A handler that throws berth::Error before replying gets the error's
// status and JSON body.
class Exchange {
 public:
  Exchange(Connection& connection, std::map<std::string, std::string> params, Query query,
           bool libpod);

  boost::beast::http::verb method() const;
  // The request path without its query and version prefix.
  std::string_view path() const;
  // Whether the path is under /libpod (Podman's API) rather than Docker's.
  bool libpod() const { return libpod_; }
  // A route parameter ("{name}" in the pattern); "" when absent.
  const std::string& param(const std::string& name) const;
  const Query& query() const { return query_; }
  // A request header's value, "" when absent.
  std::string header(std::string_view name) const;
  // The API version the path names ("1.41" for "/v1.41/...", "4.3.1" for
  // "/v4.3.1/libpod/..."); "" for an unversioned path.
  std::string api_version() const;
  // The major number of a libpod path's version (4 for "/v4.3.1/libpod"),
  // 0 for an unversioned path. Podman 4 clients want some fields in their
  // older shapes.
  int libpod_major() const;
  // Adds a header to the reply (or stream, or hijacked stream) that is
  // sent next.
  void add_header(std::string name, std::string value);

  // The request body, read on first use. Throws Error{kInvalidArgument}
  // when it exceeds the limit for in-memory bodies.
  const std::string& body();
  // Writes the request body to fd as it arrives (Content-Length or
  // chunked), with no size limit, so routes can take image archives of any
  // size. The body counts as read afterwards and body() returns "". Throws
  // Error{kInvalidArgument} when the client sends a malformed body or hangs
  // up, and the Error of a failed write to fd.
  void read_body_to(int fd);
  // The body parsed as JSON; an empty body gives an empty object. Throws
  // Error{kInvalidArgument} naming the parse error for malformed JSON.
  nlohmann::json json_body();

  // Replies with body as JSON (Content-Type application/json).
  void reply_json(boost::beast::http::status status, const nlohmann::json& body);
  void reply_json(boost::beast::http::status status, const nlohmann::ordered_json& body);
  void reply_text(boost::beast::http::status status, std::string_view content_type,
                  std::string body);
  // Replies with no body (204, 304, ...).
  void reply_empty(boost::beast::http::status status);

  // Streams the response: sends the headers at once (chunked transfer),
  // then each chunk as it is written. write_chunk returns false once the
  // client has gone; the handler should then stop.
  void begin_stream(boost::beast::http::status status, std::string_view content_type);
  bool write_chunk(std::string_view data);
  void end_stream();

  // Takes over the connection for a raw byte stream (attach, exec): sends
  // "101 UPGRADED" when the client asked to upgrade, else "200 OK" with no
  // length, and returns the socket. Bytes the client sent after the request
  // are moved to pending_input. The connection closes when the handler
  // returns.
  int hijack(std::string_view content_type, std::string& pending_input);

  // The connection's socket, for a stream that watches its client.
  int client_fd() const;

  // The engine for this connection, made on first use.
  engine::Engine& engine();

  bool replied() const { return replied_; }
  bool streaming() const { return streaming_; }

 private:
  // The standard headers and those add_header gave.
  void set_headers(boost::beast::http::fields& fields);
  // Sends "100 Continue" when the client asked for it before its body.
  void send_continue_if_expected();

  Connection& connection_;
  std::map<std::string, std::string> params_;
  std::vector<std::pair<std::string, std::string>> extra_headers_;
  Query query_;
  bool libpod_ = false;
  bool replied_ = false;
  bool streaming_ = false;
};

// Frames payload for Docker's multiplexed stream: the stream (1 stdout,
// 2 stderr), three zero bytes and the payload's length as a 32-bit
// big-endian number, then the payload.
std::string multiplexed_frame(unsigned char stream, std::string_view payload);

// Whether the client at the other end of socket fd has gone: closed or
// reset, or (with half_close_counts) shut down its side for writing.
// Returns at once.
bool peer_closed(int fd, bool half_close_counts = true);

// Serializes value as compact JSON. Bytes that are not UTF-8 (from a URL
// or a label) become U+FFFD instead of failing the response.
std::string json_text(const nlohmann::json& value);
std::string json_text(const nlohmann::ordered_json& value);

// The HTTP status for an error code of berth::Error.
boost::beast::http::status status_for(const std::exception& error);

// The JSON error body both APIs use: {"cause", "message", "response"}.
nlohmann::json error_body(const std::exception& error, boost::beast::http::status status);

}  // namespace berth::api
