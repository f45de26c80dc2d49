#include "network/port_mapping.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <vector>

#include "common/error.hpp"
#include "network/ipv4.hpp"
#include "os/fd.hpp"

namespace berth::network {
namespace {

[[noreturn]] void fail_port(std::string_view text, std::string_view reason) {
  fail(ErrorCode::kInvalidArgument, "invalid port mapping \"{}\": {}", text, reason);
}

// Parses a port number; an empty string or "0" returns 0 (pick one later).
std::uint16_t parse_port(std::string_view text, std::string_view part) {
  if (part.empty()) return 0;
  if (part.find('-') != std::string_view::npos) fail_port(text, "port ranges are not supported");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
  if (ec != std::errc() || end != part.data() + part.size() || value > 65535) {
    fail_port(text, "\"" + std::string(part) + "\" is not a port number between 1 and 65535");
  }
  return static_cast<std::uint16_t>(value);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

PortMapping parse_port_mapping(std::string_view text) {
  PortMapping mapping;
  std::string_view rest = text;
  if (auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    std::string protocol(rest.substr(slash + 1));
    std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (protocol != "tcp" && protocol != "udp") {
      fail_port(text, "protocol \"" + protocol + "\" is not supported, use tcp or udp");
    }
    mapping.protocol = protocol;
    rest = rest.substr(0, slash);
  }
  if (rest.starts_with('[')) fail_port(text, "IPv6 host addresses are not supported");

  std::vector<std::string_view> parts = split(rest, ':');
  std::string_view host_port;
  std::string_view container_port;
  switch (parts.size()) {
    case 1:
      container_port = parts[0];
      break;
    case 2:
      host_port = parts[0];
      container_port = parts[1];
      break;
    case 3:
      if (!try_parse_ipv4(parts[0])) {
        fail_port(text, "\"" + std::string(parts[0]) + "\" is not an IPv4 address");
      }
      mapping.host_ip = format_ipv4(*try_parse_ipv4(parts[0]));
      if (mapping.host_ip == "0.0.0.0") mapping.host_ip.clear();
      host_port = parts[1];
      container_port = parts[2];
      break;
    default:
      fail_port(text, "expected [hostIP:][hostPort:]containerPort[/protocol]");
  }

  mapping.container_port = parse_port(text, container_port);
  if (mapping.container_port == 0) fail_port(text, "the container port is missing or zero");
  mapping.host_port = parse_port(text, host_port);
  if (mapping.host_port == 0) {
    mapping.host_port = with_context("publishing \"" + std::string(text) + "\"", [&] {
      return find_free_port(mapping.host_ip, mapping.protocol);
    });
  }
  return mapping;
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
