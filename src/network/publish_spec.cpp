#include "network/publish_spec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/error.hpp"
#include "network/ipv4.hpp"
#include "os/fd.hpp"

namespace berth::network {
namespace {

[[noreturn]] void fail_port(std::string_view text, std::string_view reason) {
  fail(ErrorCode::kInvalidArgument, "invalid port mapping \"{}\": {}", text, reason);
}

// Parses a port number. An empty string or "0" returns 0 when zero_ok.
std::uint16_t parse_port(std::string_view text, std::string_view part, bool zero_ok) {
  if (part.empty() && zero_ok) return 0;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
  if (ec != std::errc() || end != part.data() + part.size() || value > 65535 ||
      (value == 0 && !zero_ok)) {
    fail_port(text, "\"" + std::string(part) + "\" is not a port number between 1 and 65535");
  }
  return static_cast<std::uint16_t>(value);
}

// A port or a range "START-END" of a -p value: its first port and the
// number of ports.
struct PortSpan {
  std::uint16_t first = 0;
  std::uint16_t count = 1;
};

PortSpan parse_span(std::string_view text, std::string_view part) {
  auto dash = part.find('-');
  if (dash == std::string_view::npos) return {parse_port(text, part, true), 1};
  std::uint16_t first = parse_port(text, part.substr(0, dash), false);
  std::uint16_t last = parse_port(text, part.substr(dash + 1), false);
  if (last <= first) {
    fail_port(text, "the end of the range \"" + std::string(part) +
                        "\" must be higher than its start");
  }
  return {first, static_cast<std::uint16_t>(last - first + 1)};
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

// Returns whether port can be bound on host_ip ("" = any address) right now.
bool port_is_free(const std::string& host_ip, const std::string& protocol, std::uint16_t port) {
  return static_cast<bool>(bind_port_probe(host_ip, protocol, port));
}

// Returns the first of count consecutive ports that are free right now: the
// kernel picks the first, and the others must follow it. Another program
// can take them before the container's rules are in place, as with Podman.
std::uint16_t find_free_ports(const std::string& host_ip, const std::string& protocol,
                              std::uint16_t count) {
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::uint16_t first = find_free_port(host_ip, protocol);
    if (first + count - 1 > 65535) continue;
    bool free = true;
    for (std::uint16_t i = 1; i < count && free; ++i) {
      free = port_is_free(host_ip, protocol, static_cast<std::uint16_t>(first + i));
    }
    if (free) return first;
  }
  fail(ErrorCode::kUnavailable,
       "found no {} consecutive free {} ports on {} in {} attempts: give the host ports", count,
       protocol, host_ip.empty() ? std::string("0.0.0.0") : host_ip, kAttempts);
}

}  // namespace

PublishSpec parse_publish_spec(std::string_view text) {
  PublishSpec spec;
  std::string_view rest = text;
  if (auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    std::string protocol(rest.substr(slash + 1));
    std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (protocol != "tcp" && protocol != "udp") {
      fail_port(text, "protocol \"" + protocol + "\" is not supported, use tcp or udp");
    }
    spec.protocol = protocol;
    rest = rest.substr(0, slash);
  }
  if (rest.starts_with('[')) fail_port(text, "IPv6 host addresses are not supported");

  std::vector<std::string_view> parts = split(rest, ':');
  std::string_view host_part;
  std::string_view container_part;
  switch (parts.size()) {
    case 1:
      container_part = parts[0];
      break;
    case 2:
      host_part = parts[0];
      container_part = parts[1];
      break;
    case 3:
      if (!try_parse_ipv4(parts[0])) {
        fail_port(text, "\"" + std::string(parts[0]) + "\" is not an IPv4 address");
      }
      spec.host_ip = format_ipv4(*try_parse_ipv4(parts[0]));
      if (spec.host_ip == "0.0.0.0") spec.host_ip.clear();
      host_part = parts[1];
      container_part = parts[2];
      break;
    default:
      fail_port(text, "expected [hostIP:][hostPort:]containerPort[/protocol]");
  }

  PortSpan container = parse_span(text, container_part);
  if (container.first == 0) fail_port(text, "the container port is missing or zero");
  PortSpan host = parse_span(text, host_part);
  if (host.first != 0 && host.count != container.count) {
    fail_port(text, fmt::format("host and container port ranges have different lengths: {} vs "
                                "{}: give as many host ports as container ports",
                                host.count, container.count));
  }
  spec.container_port = container.first;
  spec.host_port = host.first;
  spec.range = container.count;
  return spec;
}

std::string format_publish_spec(const PublishSpec& spec) {
  auto span = [&](std::uint16_t first) {
    return spec.range > 1 ? fmt::format("{}-{}", first, first + spec.range - 1)
                          : std::to_string(first);
  };
  std::string text = spec.host_port > 0 ? span(spec.host_port) : "";
  text += ":" + span(spec.container_port) + "/" + spec.protocol;
  if (!spec.host_ip.empty()) text = spec.host_ip + ":" + text;
  return text;
}

std::vector<PortMapping> resolve_publish_spec(const PublishSpec& spec, std::string_view text) {
  std::uint16_t host_port = spec.host_port;
  if (host_port == 0) {
    host_port = with_context("publishing \"" + std::string(text) + "\"", [&] {
      return spec.range == 1 ? find_free_port(spec.host_ip, spec.protocol)
                             : find_free_ports(spec.host_ip, spec.protocol, spec.range);
    });
  }
  std::vector<PortMapping> mappings;
  for (std::uint16_t i = 0; i < spec.range; ++i) {
    mappings.push_back({spec.host_ip, static_cast<std::uint16_t>(host_port + i),
                        static_cast<std::uint16_t>(spec.container_port + i), spec.protocol});
  }
  return mappings;
}

std::vector<PortMapping> parse_port_mappings(std::string_view text) {
  return resolve_publish_spec(parse_publish_spec(text), text);
}

os::Fd bind_port_probe(const std::string& host_ip, const std::string& protocol,
                       std::uint16_t port) {
  int type = protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  os::Fd sock(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!sock) fail_errno(errno, "opening a socket to find a free port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(host_ip.empty() ? INADDR_ANY : parse_ipv4(host_ip));
  address.sin_port = htons(port);
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int saved = errno;
    sock.reset();
    errno = saved;
  }
  return sock;
}

}  // namespace berth::network
