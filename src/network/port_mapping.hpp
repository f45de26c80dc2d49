#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::network {

// One published port: traffic to host_ip:host_port is forwarded to the
// container's container_port.
struct PortMapping {
  std::string host_ip;  // IPv4 address; "" = every address of the host
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";  // "tcp" or "udp"

  bool operator==(const PortMapping&) const = default;
};

// Parses a `-p/--publish` value that names one port: "80", "8080:80",
// "127.0.0.1:8080:80" or "127.0.0.1::80", each optionally followed by "/tcp"
// or "/udp". An omitted or zero host port becomes a free port picked by
// find_free_port, as Podman picks a random one. Host IP "0.0.0.0" is stored
// as "". Throws Error{kInvalidArgument} naming the value for anything else,
// including port ranges, which parse_port_mappings (publish_spec.hpp)
// takes, IPv6 host addresses and protocols other than tcp and udp.
PortMapping parse_port_mapping(std::string_view text);

// Returns a port that is free right now on host_ip ("" = any address) for
// the protocol, by binding port 0 and reading back what the kernel chose.
// Throws Error when host_ip is not an address of this host.
std::uint16_t find_free_port(const std::string& host_ip, const std::string& protocol);

// Formats a mapping as Podman's PORTS column does: "0.0.0.0:8080->80/tcp".
std::string format_port_mapping(const PortMapping& mapping);

}  // namespace berth::network
