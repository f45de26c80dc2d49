#include "image/http_session.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>

#include "common/error.hpp"
#include "common/log.hpp"
#include "image/libcurl.hpp"

namespace berth::image {

namespace {

constexpr std::size_t kMaxErrorBody = 64 << 10;
constexpr long kConnectTimeoutSeconds = 30;
// A transfer slower than 1 byte/s for this long is treated as stalled.
// NOTE: a guess at a safe bound; Podman sets no stall timeout of its own.
constexpr long kStallSeconds = 120;

// State of one transfer, shared with the libcurl callbacks.
struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  std::exception_ptr error;
  std::int64_t sent = 0;  // request body bytes handed to libcurl
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Collects the headers of each response; a status line starts a new one, so
// only the final response's headers remain after redirects.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();
    std::size_t space = line.find(' ');
    if (space != std::string_view::npos) {
      transfer->response->status = std::strtol(line.data() + space + 1, nullptr, 10);
    }
    return size * count;
  }
  std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    transfer->response->headers.emplace(lowercase(trim(line.substr(0, colon))),
                                        std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

void deliver_body(Transfer& transfer, std::string_view chunk) {
  HttpResponse& response = *transfer.response;
  bool success = response.status >= 200 && response.status < 300;
  if (!success) {
    std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, response.body.size());
    response.body.append(chunk.substr(0, room));
  } else if (transfer.request->on_body) {
    transfer.request->on_body(chunk);
  } else {
    if (response.body.size() + chunk.size() > transfer.request->max_body) {
      fail(ErrorCode::kInvalidArgument, "response from {} is larger than the limit of {} bytes",
           transfer.request->url, transfer.request->max_body);
    }
    response.body.append(chunk);
  }
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  try {
    deliver_body(*transfer, std::string_view(data, size * count));
    return size * count;
  } catch (...) {
    // Exceptions must not cross libcurl's C frames: keep it for get().
    transfer->error = std::current_exception();
    return CURL_WRITEFUNC_ERROR;
  }
}

std::int64_t body_length(const HttpRequest& request) {
  if (request.body_fd >= 0) return request.body_length;
  return static_cast<std::int64_t>(request.body.size());
}

// Copies the next part of the request body into buffer; 0 marks its end.
std::size_t read_body(Transfer& transfer, char* buffer, std::size_t capacity) {
  const HttpRequest& request = *transfer.request;
  std::int64_t remaining = body_length(request) - transfer.sent;
  std::size_t length = static_cast<std::size_t>(
      std::min<std::int64_t>(remaining, static_cast<std::int64_t>(capacity)));
  if (length == 0) return 0;
  if (request.body_fd < 0) {
    std::memcpy(buffer, request.body.data() + transfer.sent, length);
  } else {
    ssize_t n;
    do {
      n = ::pread(request.body_fd, buffer, length, request.body_offset + transfer.sent);
    } while (n < 0 && errno == EINTR);
    if (n < 0) fail_errno(errno, fmt::format("reading the request body of {}", request.url));
    if (n == 0) {
      fail(ErrorCode::kInvalidArgument,
           "reading the request body of {}: the file ends at offset {}, before the {} bytes to "
           "send",
           request.url, request.body_offset + transfer.sent, request.body_length);
    }
    length = static_cast<std::size_t>(n);
  }
  transfer.sent += static_cast<std::int64_t>(length);
  if (request.on_sent) request.on_sent(transfer.sent);
  return length;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  try {
    return read_body(*transfer, buffer, size * count);
  } catch (...) {
    // Exceptions must not cross libcurl's C frames: keep it for perform().
    transfer->error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

// libcurl rewinds the body when it must send it again on a new connection.
int on_seek(void* user, curl_off_t offset, int origin) {
  auto* transfer = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || offset > body_length(*transfer->request)) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  transfer->sent = offset;
  return CURL_SEEKFUNC_OK;
}

bool is_tls_failure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      return false;
  }
}

std::string describe_failure(CURL* curl, CURLcode code, const char* error_buffer) {
  if (code == CURLE_COULDNT_CONNECT) {
    long os_errno = 0;
    libcurl().easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
    if (os_errno != 0) return lowercase(std::strerror(static_cast<int>(os_errno)));
    return "connection failed";
  }
  if (code == CURLE_OPERATION_TIMEDOUT) return "timed out";
  std::string detail = error_buffer[0] != '\0' ? error_buffer : libcurl().easy_strerror(code);
  if (is_tls_failure(code)) return "TLS handshake failed: " + detail;
  return detail;
}

void set_tls_options(CURL* curl, const TlsOptions& tls) {
  libcurl().easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  libcurl().easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  if (!tls.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(tls.ca_pem.data()), tls.ca_pem.size(), CURL_BLOB_COPY};
    libcurl().easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!tls.client_cert_path.empty()) {
    libcurl().easy_setopt(curl, CURLOPT_SSLCERT, tls.client_cert_path.c_str());
    libcurl().easy_setopt(curl, CURLOPT_SSLKEY, tls.client_key_path.c_str());
  }
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { libcurl().slist_free_all(list); }
};

// Sets the method and, for POST, PUT and PATCH, the request body.
void set_method(CURL* curl, const HttpRequest& request, Transfer& transfer) {
  const std::string& method = request.method;
  if (method == "GET") return;
  if (method == "HEAD") {
    libcurl().easy_setopt(curl, CURLOPT_NOBODY, 1L);
    return;
  }
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    // Upload mode sends the body from on_read with a Content-Length; the
    // custom request then replaces the PUT that upload mode implies.
    libcurl().easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    libcurl().easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                          static_cast<curl_off_t>(body_length(request)));
    libcurl().easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    libcurl().easy_setopt(curl, CURLOPT_READDATA, &transfer);
    libcurl().easy_setopt(curl, CURLOPT_SEEKFUNCTION, on_seek);
    libcurl().easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
  } else if (method != "DELETE") {
    fail(ErrorCode::kInternal, "unsupported HTTP method \"{}\"", method);
  }
  libcurl().easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
}

}  // namespace

std::string HttpResponse::header(std::string_view lowercase_name) const {
  auto it = headers.find(std::string(lowercase_name));
  return it == headers.end() ? "" : it->second;
}

std::vector<std::string> HttpResponse::header_values(std::string_view lowercase_name) const {
  std::vector<std::string> values;
  auto [begin, end] = headers.equal_range(std::string(lowercase_name));
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

HttpSession::HttpSession() {
  curl_ = libcurl().easy_init();
  if (curl_ == nullptr) fail(ErrorCode::kInternal, "creating a libcurl handle failed");
}

HttpSession::~HttpSession() { libcurl().easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpSession::get(const HttpRequest& request, const TlsOptions& tls) {
  if (request.method == "GET") return perform(request, tls);
  HttpRequest as_get = request;
  as_get.method = "GET";
  return perform(as_get, tls);
}

HttpResponse HttpSession::perform(const HttpRequest& request, const TlsOptions& tls) {
  CURL* curl = static_cast<CURL*>(curl_);
  // Reset drops the previous request's options but keeps open connections
  // and cached TLS sessions.
  libcurl().easy_reset(curl);

  HttpResponse response;
  Transfer transfer{&request, &response, nullptr};
  HeaderList headers;
  for (const std::string& header : request.headers) {
    headers.list = libcurl().slist_append(headers.list, header.c_str());
  }
  // libcurl would otherwise send "Expect: 100-continue" before large bodies
  // and wait a round trip for the registry's go-ahead.
  headers.list = libcurl().slist_append(headers.list, "Expect:");
  bool follow = request.method == "GET" || request.method == "HEAD";
  char error_buffer[CURL_ERROR_SIZE] = {0};

  libcurl().easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  libcurl().easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  libcurl().easy_setopt(curl, CURLOPT_USERAGENT, "berth");
  libcurl().easy_setopt(curl, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  libcurl().easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  libcurl().easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  libcurl().easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  libcurl().easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  libcurl().easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  libcurl().easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  libcurl().easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  libcurl().easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  libcurl().easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  libcurl().easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  libcurl().easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  libcurl().easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  set_tls_options(curl, tls);
  set_method(curl, request, transfer);

  SPDLOG_DEBUG("{} {}", request.method, request.url);
  CURLcode code = libcurl().easy_perform(curl);
  if (transfer.error) std::rethrow_exception(transfer.error);

  char* effective_url = nullptr;
  libcurl().easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective_url);
  if (effective_url != nullptr) response.effective_url = effective_url;
  if (code != CURLE_OK) {
    response.transport_error = describe_failure(curl, code, error_buffer);
    response.tls_error = is_tls_failure(code);
    SPDLOG_DEBUG("{} {} failed: {}", request.method, request.url, response.transport_error);
  } else {
    SPDLOG_DEBUG("{} {}: HTTP {}", request.method, response.effective_url, response.status);
  }
  return response;
}

}  // namespace berth::image
