#include "network/port_ranges.hpp"

#include <fmt/format.h>

namespace berth::network {

std::vector<PortRun> group_port_runs(std::vector<PortMapping> mappings) {
  sort_ports(mappings);
  std::vector<PortRun> runs;
  for (const auto& mapping : mappings) {
    if (!runs.empty()) {
      auto& run = runs.back();
      const auto& first = run.first;
      if (first.host_ip == mapping.host_ip && first.protocol == mapping.protocol &&
          mapping.container_port == first.container_port + run.count &&
          mapping.host_port == first.host_port + run.count) {
        ++run.count;
        continue;
      }
    }
    runs.push_back({mapping, 1});
  }
  return runs;
}

std::string format_port_run(const PortRun& run) {
  if (run.count <= 1) return format_port_mapping(run.first);
  const auto& first = run.first;
  return fmt::format("{}:{}-{}->{}-{}/{}", first.host_ip.empty() ? "0.0.0.0" : first.host_ip,
                     first.host_port, first.host_port + run.count - 1, first.container_port,
                     first.container_port + run.count - 1, first.protocol);
}

}  // namespace berth::network
