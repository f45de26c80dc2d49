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
  int type = protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  os::Fd sock(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!sock) fail_errno(errno, "opening a socket to find a free port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(host_ip.empty() ? INADDR_ANY : parse_ipv4(host_ip));
  address.sin_port = 0;
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (errno == EADDRNOTAVAIL) {
      fail(ErrorCode::kInvalidArgument, "host IP {} is not an address of this host", host_ip);
    }
    fail_errno(errno, "binding a free " + protocol + " port on " +
                          (host_ip.empty() ? std::string("0.0.0.0") : host_ip));
  }
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
