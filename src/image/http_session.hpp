#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace berth::image {

// TLS settings of one registry endpoint.
struct TlsOptions {
  bool verify = true;  // check the server certificate and host name
  // CA certificates (PEM) that replace libcurl's default CA file, so they
  // must include the system bundle. "" keeps the default.
  std::string ca_pem;
  std::string client_cert_path;  // PEM client certificate, or ""
  std::string client_key_path;   // its private key, or ""
};

struct HttpRequest {
  // GET, HEAD, POST, PUT, PATCH or DELETE. Only GET and HEAD follow redirects.
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; may contain secrets, never logged
  // Receives the body of a 2xx response chunk by chunk. When empty, the body
  // is buffered into HttpResponse::body up to max_body bytes. An exception
  // thrown here aborts the transfer and is rethrown by get().
  std::function<void(std::string_view chunk)> on_body;
  std::size_t max_body = 4 << 20;

  // The request body of POST, PUT and PATCH: body_length bytes read with
  // pread from body_fd at body_offset when body_fd >= 0, else body (which may
  // be empty). Reading by offset lets a request be sent again after a 401.
  std::string body;
  int body_fd = -1;
  std::int64_t body_offset = 0;
  std::int64_t body_length = 0;
  // Called with the number of body bytes handed to libcurl so far. May be empty.
  std::function<void(std::int64_t sent)> on_sent;
  // Called before the request is sent again after a failed attempt (see
  // RetryPolicy), so that on_body can drop what it received. May be empty.
  std::function<void()> on_resend;
};

struct HttpResponse {
  long status = 0;  // 0 when the transfer failed before a response arrived
  // Headers of the final response (after redirects), names in lowercase.
  std::multimap<std::string, std::string> headers;
  // The buffered 2xx body, or the start (at most 64 KiB) of any other body.
  std::string body;
  std::string effective_url;
  // The reason no complete response arrived, such as "connection refused",
  // or "" on success. tls_error is set when the TLS handshake or the
  // certificate check failed.
  std::string transport_error;
  bool tls_error = false;

  bool ok() const { return transport_error.empty() && status >= 200 && status < 300; }
  // Returns the first value of a header, or "".
  std::string header(std::string_view lowercase_name) const;
  std::vector<std::string> header_values(std::string_view lowercase_name) const;
};

// One libcurl easy handle, reused for every request so that connections and
// TLS sessions are kept between requests. Not thread-safe.
class HttpSession {
 public:
  HttpSession();
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Performs request with its method; GET and HEAD follow up to 10
  // redirects. libcurl sends an Authorization header only to the host and
  // port of the first URL, so credentials do not follow a redirect to blob
  // storage elsewhere. Transport failures are reported in
  // HttpResponse::transport_error, not thrown; an exception from
  // request.on_body or request.on_sent, a failed read of body_fd and a
  // response body beyond max_body (as Error{kInvalidArgument}) are thrown.
  HttpResponse perform(const HttpRequest& request, const TlsOptions& tls);

  // Performs request as a GET, whatever its method.
  HttpResponse get(const HttpRequest& request, const TlsOptions& tls);

 private:
  void* curl_;  // CURL*
};

}  // namespace berth::image
