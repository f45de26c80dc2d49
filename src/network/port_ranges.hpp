#pragma once

// Published ports as runs: Podman reports consecutive mappings of one
// address and protocol as a single range ("0.0.0.0:8080-8081->80-81/tcp").

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "network/port_mapping.hpp"

namespace berth::network {

// A run of mappings: host ports first.host_port .. +count-1 go to
// container ports first.container_port .. +count-1.
struct PortRun {
  PortMapping first;
  std::uint16_t count = 1;

  bool operator==(const PortRun&) const = default;
};

// Sorts ports in the order Podman lists them: by host address ("" first),
// then protocol, then container port, then host port. Port is PortMapping
// or any struct with the same four fields.
template <typename Port>
void sort_ports(std::vector<Port>& ports) {
  std::sort(ports.begin(), ports.end(), [](const Port& a, const Port& b) {
    return std::tie(a.host_ip, a.protocol, a.container_port, a.host_port) <
           std::tie(b.host_ip, b.protocol, b.container_port, b.host_port);
  });
}

// Groups mappings into runs in the order of sort_ports. A mapping joins the run before it
// when both its ports are one above the run's last ones.
std::vector<PortRun> group_port_runs(std::vector<PortMapping> mappings);

// Formats a run as Podman's PORTS column does: "0.0.0.0:8080->80/tcp" for
// one port, "0.0.0.0:8080-8081->80-81/tcp" for more.
std::string format_port_run(const PortRun& run);

}  // namespace berth::network
