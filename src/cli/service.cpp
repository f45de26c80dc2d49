// system service: serves the Docker and Podman REST APIs on a socket.

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <memory>

#include "api/listen.hpp"
#include "api/routes.hpp"
#include "api/server.hpp"
#include "cli/cli.hpp"
#include "common/error.hpp"
#include "config/service_socket.hpp"

namespace berth::cli {

namespace {

struct ServiceOptions {
  std::string uri;
  int time = 5;
};

// The path of the unix socket fd listens on; "" for another kind.
std::string unix_socket_path(int fd) {
  sockaddr_un address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      address.sun_family != AF_UNIX || length <= offsetof(sockaddr_un, sun_path)) {
    return "";
  }
  return std::string(address.sun_path, strnlen(address.sun_path, sizeof address.sun_path));
}

int run_service(Cli& cli, const ServiceOptions& o) {
  if (o.time < 0) {
    fail(ErrorCode::kInvalidArgument, "invalid --time {}: use 0 (no timeout) or more seconds",
         o.time);
  }
  api::ServiceOptions service;
  service.idle_timeout_seconds = o.time;
  auto inherited = api::activation_sockets();
  if (!inherited.empty() && o.uri.empty()) {
    for (int fd : inherited) service.listeners.emplace_back(fd);
    api::set_served_socket(unix_socket_path(inherited.front()));
  } else {
    for (int fd : inherited) os::Fd closed(fd);
    std::string uri = o.uri.empty() ? "unix://" + config::default_service_socket() : o.uri;
    auto address = api::parse_listen_uri(uri);
    service.listeners.push_back(api::open_listener(address));
    if (address.kind == api::ListenAddress::Kind::kUnix) {
      service.socket_paths.push_back(address.path);
      api::set_served_socket(address.path);
    } else {
      api::set_served_socket(uri);
    }
  }
  service.make_engine = [&cli] { return cli.make_local_engine(); };
  static const api::Router router = api::make_router();
  return api::serve(router, std::move(service));
}

}  // namespace

void add_system_service(CLI::App& parent, Cli& cli) {
  auto* cmd = parent.add_subcommand(
      "service", "Serve the Docker and Podman REST APIs on a unix socket or TCP port");
  auto o = std::make_shared<ServiceOptions>();
  cmd->add_option("URI", o->uri, "unix:///PATH or tcp://HOST:PORT (default unix:///run/berth/berth.sock for root)");
  cmd->add_option("-t,--time", o->time,
                  "Seconds without requests before the service exits (0: never)");
  cmd->callback([&cli, o] { cli.action = [&cli, o] { return run_service(cli, *o); }; });
}

}  // namespace berth::cli
