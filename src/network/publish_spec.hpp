#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "network/port_mapping.hpp"
#include "os/fd.hpp"

namespace berth::network {

// A `-p/--publish` value as the user wrote it, before free host ports are
// picked. It has the fields of a libpod SpecGenerator portmappings entry, so
// the remote client sends it as is and the service writes it back as a -p
// value.
struct PublishSpec {
  std::string host_ip;                // IPv4 address; "" = every address of the host
  std::uint16_t host_port = 0;        // first host port; 0 = pick free ones
  std::uint16_t container_port = 0;   // first container port
  std::uint16_t range = 1;            // number of consecutive ports
  std::string protocol = "tcp";       // "tcp" or "udp"

  bool operator==(const PublishSpec&) const = default;
};

// Parses "[hostIP:][hostPort[-end]:]containerPort[-end][/protocol]": "80",
// "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80", "8080-8081:80-81" and
// "80-81", each optionally followed by "/tcp" or "/udp". A host range must
// have as many ports as the container range. Host IP "0.0.0.0" is stored as
// "". Throws Error{kInvalidArgument} naming the value for anything else,
// including IPv6 host addresses and protocols other than tcp and udp.
PublishSpec parse_publish_spec(std::string_view text);

// Binds a socket of protocol ("tcp" or "udp") to host_ip ("" for any
// address) and port (0 lets the kernel pick one). Returns an empty Fd, with
// errno set, when the bind fails.
os::Fd bind_port_probe(const std::string& host_ip, const std::string& protocol, std::uint16_t port);

// Formats spec as the -p value that parse_publish_spec reads back into it.
std::string format_publish_spec(const PublishSpec& spec);

// Returns one mapping per port of spec. Without a host port, the host ports
// are consecutive free ports (find_free_port for a single one), as Podman
// picks them. text names the value in errors.
std::vector<PortMapping> resolve_publish_spec(const PublishSpec& spec, std::string_view text);

// Parses a -p value and resolves it: parse_publish_spec, then
// resolve_publish_spec.
std::vector<PortMapping> parse_port_mappings(std::string_view text);

}  // namespace berth::network
