#include "network/port_mapping.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "common/error.hpp"
#include "network/ipv4.hpp"
#include "network/publish_spec.hpp"
#include "os/fd.hpp"

namespace berth::network {
namespace {

[[noreturn]] void fail_port(std::string_view text, std::string_view reason) {
  fail(ErrorCode::kInvalidArgument, "invalid port mapping \"{}\": {}", text, reason);
}

}  // namespace

PortMapping parse_port_mapping(std::string_view text) {
  PublishSpec spec = parse_publish_spec(text);
  if (spec.range > 1) fail_port(text, "a port range gives several mappings");
  return resolve_publish_spec(spec, text).front();
}

std::uint16_t find_free_port(const std::string& host_ip, const std::string& protocol) {
  os::Fd sock = bind_port_probe(host_ip, protocol, 0);
  if (!sock) {
    if (errno == EADDRNOTAVAIL) {
      fail(ErrorCode::kInvalidArgument, "host IP {} is not an address of this host", host_ip);
    }
    fail_errno(errno, "binding a free " + protocol + " port on " +
                          (host_ip.empty() ? std::string("0.0.0.0") : host_ip));
  }
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    fail_errno(errno, "reading the bound port");
  }
  // The port is free when the socket closes, but another program can take
  // it before the container's rules are in place, as with Podman.
  return ntohs(address.sin_port);
}

std::string format_port_mapping(const PortMapping& mapping) {
  return fmt::format("{}:{}->{}/{}", mapping.host_ip.empty() ? "0.0.0.0" : mapping.host_ip,
                     mapping.host_port, mapping.container_port, mapping.protocol);
}

}  // namespace berth::network
