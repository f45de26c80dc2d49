#pragma once

// The HTTP client of berth's remote mode: service URLs, the transports
// that reach a service (unix socket, TCP, SSH), and requests with JSON,
// streamed and hijacked replies. Synchronous: each request opens its own
// connection, so threads may share one Client.

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "os/fd.hpp"

namespace berth::api {

// A service address as --url, CONTAINER_HOST and the connections file
// write it: unix:///PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]/PATH.
struct ServiceUrl {
  enum class Scheme { kUnix, kTcp, kSsh };
  Scheme scheme = Scheme::kUnix;
  std::string path;  // the socket; for ssh, the socket on the remote host
  std::string host;  // tcp and ssh
  int port = 0;      // tcp: required; ssh: 0 for ssh's default
  std::string user;  // ssh: "" for ssh's default

  // Returns the URL in its canonical form.
  std::string text() const;
};

// Parses url. Throws Error{kInvalidArgument} naming the URL for an unknown
// scheme, a missing path, host or port, or a port outside 1-65535.
ServiceUrl parse_service_url(std::string_view url);

// Opens connections to one service.
class Transport {
 public:
  virtual ~Transport() = default;
  // Returns a new connected stream socket. Throws Error{kUnavailable}
  // naming the service when it cannot be reached.
  virtual os::Fd connect() = 0;
};

// Returns the transport for url. An ssh transport starts the OpenSSH client
// (`ssh` from PATH, BatchMode, the user's known_hosts) at once. The client
// forwards a unix socket in a private 0700 directory to url.path on the
// host and is stopped when the transport is destroyed. identity is the
// private key, "" for ssh's defaults. Throws Error{kUnavailable} with ssh's own message when the
// login fails, for example on an unknown host key.
std::unique_ptr<Transport> make_transport(const ServiceUrl& url, const std::string& identity);

// A reply read to its end.
struct HttpReply {
  int status = 0;
  std::string body;
};

// A connection the service took over for a raw byte stream (attach, exec).
struct HijackedStream {
  os::Fd socket;
  // Docker's 8-byte frame headers precede each payload (no TTY); raw bytes
  // otherwise.
  bool multiplexed = false;
  std::string pending;  // stream bytes read together with the headers
};

// Returns the error a service reported with status and body. The code comes
// from "berth_code" when a berth service sent it, else from the status (400
// invalid argument, 401 unauthorized, 404 not found, 409 conflict, other
// internal). The message comes from "message", so the CLI prints what a
// local engine would.
Error error_from_reply(int status, std::string_view body);

class ClientSession;

// A reply whose header has arrived and whose body is read later, for a
// request that must reach the service before the caller goes on (a wait
// before a start).
class OpenReply {
 public:
  OpenReply(std::unique_ptr<ClientSession> session, std::string target);
  OpenReply(OpenReply&&) noexcept;
  OpenReply& operator=(OpenReply&&) noexcept;
  ~OpenReply();

  // Reads the rest of the body.
  std::string read_body();
  // Passes the rest of the body to on_data as Client::stream does.
  void read_body(const std::function<bool(std::string_view)>& on_data);
  // Returns the value of the reply's header field name, "" when absent.
  std::string header(std::string_view name) const;

 private:
  std::unique_ptr<ClientSession> session_;
  std::string target_;
};

class Client {
 public:
  explicit Client(std::unique_ptr<Transport> transport);

  // Methods are written as in HTTP: "GET", "POST", "DELETE".

  // Sends a request and reads the whole reply. Statuses of 400 and above
  // throw error_from_reply; the others (304 included) are returned.
  HttpReply send(std::string_view method, const std::string& target,
                 const std::string& body = "", std::string_view content_type = "application/json");
  // Sends body as JSON (nothing when null) and parses the reply as JSON
  // (null for an empty body).
  nlohmann::json send_json(std::string_view method, const std::string& target,
                           const nlohmann::json& body = nullptr);
  // Sends the bytes read from body_fd until its end as a chunked body.
  HttpReply send_fd(std::string_view method, const std::string& target, int body_fd,
                    std::string_view content_type);
  // Sends the bytes read from body_fd as a chunked body, then passes the
  // reply's body to on_data as stream does.
  void stream_fd(std::string_view method, const std::string& target, int body_fd,
                 std::string_view content_type,
                 const std::function<bool(std::string_view)>& on_data);
  // Sends a request and passes the reply's body to on_data as it arrives,
  // until the reply ends or on_data returns false. An error status throws
  // before on_data is called.
  void stream(std::string_view method, const std::string& target, const std::string& body,
              const std::function<bool(std::string_view)>& on_data);
  // Sends a request and returns once the reply's header has arrived.
  // Error statuses throw as for send.
  OpenReply open(std::string_view method, const std::string& target, const std::string& body = "");
  // Sends a request with "Upgrade: tcp" and returns the connection once
  // the service replies with 101 (or 200 and a raw stream).
  HijackedStream hijack(std::string_view method, const std::string& target,
                        const std::string& body = "");

  // Registry credentials: the X-Registry-Auth value sent with each request
  // from now on; "" sends none.
  void set_registry_auth(std::string value) { registry_auth_ = std::move(value); }

 private:
  std::unique_ptr<Transport> transport_;
  std::string registry_auth_;
};

}  // namespace berth::api
