// One request and its response: reading the body, replying, streaming and
// hijacking, and the mapping of errors to HTTP statuses.

#include "api/exchange.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <limits>

#include <boost/asio/write.hpp>

#include "api/connection.hpp"
#include "api/router.hpp"
#include "common/error.hpp"
#include "engine/engine.hpp"
#include "os/file.hpp"

namespace berth::api {

namespace {

// Bodies larger than this are not read into memory. Routes that take
// large bodies (build contexts, image archives) must stream them.
constexpr std::uint64_t kBodyLimit = 64ull << 20;

// A body over kBodyLimit: invalid input that gets 413, not 400.
class BodyTooLarge : public Error {
 public:
  explicit BodyTooLarge(std::string message)
      : Error(ErrorCode::kInvalidArgument, std::move(message)) {}
};

}  // namespace

Exchange::Exchange(Connection& connection, std::map<std::string, std::string> params,
                   Query query, bool libpod)
    : connection_(connection),
      params_(std::move(params)),
      query_(std::move(query)),
      libpod_(libpod) {}

http::verb Exchange::method() const { return connection_.request().method(); }

std::string_view Exchange::path() const {
  std::string_view target(connection_.request().target().data(),
                          connection_.request().target().size());
  return strip_version(target.substr(0, target.find('?')));
}

const std::string& Exchange::param(const std::string& name) const {
  static const std::string empty;
  auto it = params_.find(name);
  return it == params_.end() ? empty : it->second;
}

std::string Exchange::header(std::string_view name) const {
  auto it = connection_.request().find(boost::beast::string_view(name.data(), name.size()));
  if (it == connection_.request().end()) return "";
  return std::string(it->value());
}

std::string Exchange::api_version() const {
  std::string_view target(connection_.request().target().data(),
                          connection_.request().target().size());
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view rest = strip_version(path);
  if (rest.size() == path.size()) return "";
  // path is "/vVERSION" + rest.
  return std::string(path.substr(2, path.size() - rest.size() - 2));
}

int Exchange::libpod_major() const {
  if (!libpod_) return 0;
  auto version = api_version();
  int major = 0;
  for (char c : version) {
    if (c < '0' || c > '9') break;
    major = major * 10 + (c - '0');
    if (major > 1000) break;
  }
  return major;
}

void Exchange::add_header(std::string name, std::string value) {
  extra_headers_.emplace_back(std::move(name), std::move(value));
}

void Exchange::set_headers(http::fields& fields) {
  connection_.add_common_headers(fields);
  for (const auto& [name, value] : extra_headers_) fields.set(name, value);
}

void Exchange::send_continue_if_expected() {
  const auto& fields = connection_.header_parser()->get();
  auto expect = fields.find(http::field::expect);
  if (expect == fields.end() || !boost::beast::iequals(expect->value(), "100-continue")) return;
  // The client waits for this interim reply (curl up to a second) before
  // it sends the body.
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  boost::beast::error_code ec;
  boost::asio::write(connection_.socket(), boost::asio::buffer(kContinue.data(), kContinue.size()),
                     ec);
}

const std::string& Exchange::body() {
  auto& body = connection_.body();
  if (body) return *body;
  auto& header = connection_.header_parser();
  if (header->is_done()) {
    body.emplace();
    return *body;
  }
  // A declared length over the limit fails before any of the body is read.
  if (auto length = header->content_length(); length && *length > kBodyLimit) {
    connection_.close_after = true;
    throw BodyTooLarge(
        fmt::format("request body of {} bytes is larger than {} MiB", *length, kBodyLimit >> 20));
  }
  send_continue_if_expected();
  http::request_parser<http::string_body> parser(std::move(*header));
  parser.body_limit(kBodyLimit);
  boost::beast::error_code ec;
  http::read(connection_.socket(), connection_.buffer(), parser, ec);
  if (ec == http::error::body_limit) {
    connection_.close_after = true;
    throw BodyTooLarge(fmt::format("request body is larger than {} MiB", kBodyLimit >> 20));
  }
  if (ec) {
    connection_.close_after = true;
    fail(ErrorCode::kInvalidArgument, "failed to read the request body: {}", ec.message());
  }
  connection_.full_request() = parser.release();
  body = std::move(connection_.full_request()->body());
  return *body;
}

void Exchange::read_body_to(int fd) {
  auto& body = connection_.body();
  if (body) return;
  auto& header = connection_.header_parser();
  if (header->is_done()) {
    body.emplace();
    return;
  }
  send_continue_if_expected();
  http::request_parser<http::buffer_body> parser(std::move(*header));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  std::string buffer(1 << 16, '\0');
  while (!parser.is_done()) {
    parser.get().body().data = buffer.data();
    parser.get().body().size = buffer.size();
    boost::beast::error_code ec;
    http::read(connection_.socket(), connection_.buffer(), parser, ec);
    // need_buffer only means that the buffer is full.
    if (ec && ec != http::error::need_buffer) {
      connection_.close_after = true;
      fail(ErrorCode::kInvalidArgument, "failed to read the request body: {}", ec.message());
    }
    std::size_t used = buffer.size() - parser.get().body().size;
    try {
      os::write_all(fd, std::string_view(buffer.data(), used));
    } catch (const Error&) {
      // The rest of the body stays unread, so the connection cannot be reused.
      connection_.close_after = true;
      throw;
    }
  }
  // request() and keep_alive() read the header from full_request() now.
  connection_.full_request().emplace(http::request_header<>(parser.get().base()));
  body.emplace();
}

nlohmann::json Exchange::json_body() {
  const std::string& text = body();
  if (text.empty()) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail(ErrorCode::kInvalidArgument, "decoding the request body as JSON: {}", e.what());
  }
}

void Exchange::reply_text(http::status status, std::string_view content_type, std::string body) {
  http::response<http::string_body> response(status, connection_.request().version());
  set_headers(response.base());
  response.set(http::field::content_type,
               boost::beast::string_view(content_type.data(), content_type.size()));
  bool head = method() == http::verb::head;
  response.content_length(body.size());
  if (!head) response.body() = std::move(body);
  response.keep_alive(!connection_.close_after && connection_.keep_alive());
  boost::beast::error_code ec;
  if (head) {
    http::response_serializer<http::string_body> serializer(response);
    http::write_header(connection_.socket(), serializer, ec);
  } else {
    http::write(connection_.socket(), response, ec);
  }
  if (ec) connection_.close_after = true;
  replied_ = true;
}

void Exchange::reply_json(http::status status, const nlohmann::json& body) {
  reply_text(status, "application/json", json_text(body) + "\n");
}

void Exchange::reply_json(http::status status, const nlohmann::ordered_json& body) {
  reply_text(status, "application/json", json_text(body) + "\n");
}

void Exchange::reply_empty(http::status status) {
  http::response<http::empty_body> response(status, connection_.request().version());
  set_headers(response.base());
  // 204 and 304 carry no body by definition. Any other status sends
  // Content-Length: 0, or the client would read until the connection closes.
  if (status != http::status::no_content && status != http::status::not_modified) {
    response.content_length(0);
  }
  response.keep_alive(!connection_.close_after && connection_.keep_alive());
  boost::beast::error_code ec;
  http::write(connection_.socket(), response, ec);
  if (ec) connection_.close_after = true;
  replied_ = true;
}

void Exchange::begin_stream(http::status status, std::string_view content_type) {
  http::response<http::empty_body> response(status, connection_.request().version());
  set_headers(response.base());
  response.set(http::field::content_type,
               boost::beast::string_view(content_type.data(), content_type.size()));
  response.chunked(true);
  response.keep_alive(connection_.keep_alive());
  http::response_serializer<http::empty_body> serializer(response);
  boost::beast::error_code ec;
  http::write_header(connection_.socket(), serializer, ec);
  if (ec) connection_.close_after = true;
  replied_ = true;
  streaming_ = true;
  connection_.streaming = true;
}

bool Exchange::write_chunk(std::string_view data) {
  if (connection_.close_after) return false;
  if (data.empty()) return true;
  boost::beast::error_code ec;
  boost::asio::write(connection_.socket(),
                     http::make_chunk(boost::asio::const_buffer(data.data(), data.size())), ec);
  if (ec) connection_.close_after = true;
  return !ec;
}

void Exchange::end_stream() {
  if (!connection_.close_after) {
    boost::beast::error_code ec;
    boost::asio::write(connection_.socket(), http::make_chunk_last(), ec);
    if (ec) connection_.close_after = true;
  }
  streaming_ = false;
  connection_.streaming = false;
}

int Exchange::hijack(std::string_view content_type, std::string& pending_input) {
  bool upgrade = !header("Upgrade").empty();
  std::string head = upgrade ? "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                             : "HTTP/1.1 200 OK\r\n";
  head += "Content-Type: " + std::string(content_type) + "\r\n";
  http::fields common;
  set_headers(common);
  for (const auto& field : common) {
    head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
  }
  head += "\r\n";
  boost::beast::error_code ec;
  boost::asio::write(connection_.socket(), boost::asio::buffer(head), ec);
  auto data = connection_.buffer().data();
  pending_input.assign(static_cast<const char*>(data.data()), data.size());
  connection_.buffer().consume(data.size());
  connection_.hijacked = true;
  // A stop of the service cuts the raw stream as it cuts other streams.
  connection_.streaming = true;
  connection_.close_after = true;
  replied_ = true;
  return connection_.fd();
}

engine::Engine& Exchange::engine() { return connection_.engine(); }

std::string multiplexed_frame(unsigned char stream, std::string_view payload) {
  std::string frame(8, '\0');
  frame[0] = static_cast<char>(stream);
  auto length = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) frame[4 + i] = static_cast<char>((length >> (24 - 8 * i)) & 0xff);
  frame.append(payload);
  return frame;
}

int Exchange::client_fd() const { return connection_.fd(); }

bool peer_closed(int fd, bool half_close_counts) {
  pollfd polled{fd, static_cast<short>(half_close_counts ? POLLRDHUP : 0), 0};
  if (::poll(&polled, 1, 0) <= 0) return false;
  return (polled.revents & (POLLHUP | POLLERR | POLLRDHUP)) != 0;
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_text(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

http::status status_for(const std::exception& error) {
  const auto* e = dynamic_cast<const Error*>(&error);
  if (!e) return http::status::internal_server_error;
  if (dynamic_cast<const BodyTooLarge*>(e)) return http::status::payload_too_large;
  switch (e->code()) {
    case ErrorCode::kInvalidArgument: return http::status::bad_request;
    case ErrorCode::kNotFound: return http::status::not_found;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict: return http::status::conflict;
    case ErrorCode::kUnauthorized: return http::status::unauthorized;
    default: return http::status::internal_server_error;
  }
}

nlohmann::json error_body(const std::exception& error, http::status status) {
  std::string message = error.what();
  const auto* e = dynamic_cast<const Error*>(&error);
  // A lookup or conflict error ends with Podman's sentinel text after the
  // contexts added on the way up ("...: no such container"); clients read
  // it as the cause. Other errors are their own cause.
  std::string cause = message;
  if (e && (e->code() == ErrorCode::kNotFound || e->code() == ErrorCode::kAlreadyExists ||
            e->code() == ErrorCode::kConflict)) {
    if (auto colon = message.rfind(": "); colon != std::string::npos) {
      cause = message.substr(colon + 2);
    }
  }
  nlohmann::json body = {{"cause", cause},
                         {"message", message},
                         {"response", static_cast<int>(status)}};
  if (e) body["berth_code"] = std::string(error_code_name(e->code()));
  return body;
}

}  // namespace berth::api
