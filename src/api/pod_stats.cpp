// Podman's PodStatsReport of one pod member.

#include "api/pod_stats.hpp"

#include <cstdio>
#include <iterator>

#include "format/tree.hpp"

namespace berth::api {

namespace {

// Formats bytes in binary units, as Go's units.BytesSize does.
std::string binary_size(double bytes) { return format::binary_size_unspaced(bytes); }

// Formats bytes in decimal units, as Go's units.HumanSize does: "1.27MB".
std::string decimal_size(std::int64_t bytes) {
  return format::human_size_unspaced(static_cast<double>(bytes), 4);
}

// "A / B", or "-- / --" when both are 0, as Podman prints a pair of counters.
template <typename Format>
std::string pair_or_dashes(std::int64_t a, std::int64_t b, Format format) {
  if (a == 0 && b == 0) return "-- / --";
  return format(a) + " / " + format(b);
}

std::string percent_or_dashes(double value) {
  if (value == 0) return "--";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", value);
  return buffer;
}

}  // namespace

nlohmann::ordered_json pod_stats_report(const std::string& pod_id,
                                        const container::ContainerStats& now,
                                        const container::ContainerStats* previous) {
  double cpu = now.running ? container::cpu_percent(now, previous) : 0;
  double memory = now.memory_limit > 0 ? 100.0 * static_cast<double>(now.memory_usage) /
                                             static_cast<double>(now.memory_limit)
                                       : 0;
  auto binary = [](std::int64_t bytes) { return binary_size(static_cast<double>(bytes)); };
  return {{"CPU", percent_or_dashes(cpu)},
          {"MemUsage", pair_or_dashes(now.memory_usage, now.memory_limit, decimal_size)},
          {"MemUsageBytes", pair_or_dashes(now.memory_usage, now.memory_limit, binary)},
          {"Mem", percent_or_dashes(memory)},
          {"NetIO", pair_or_dashes(now.net_input, now.net_output, decimal_size)},
          {"BlockIO", pair_or_dashes(now.block_input, now.block_output, decimal_size)},
          {"PIDS", now.pids == 0 ? "--" : std::to_string(now.pids)},
          {"Pod", pod_id.substr(0, 12)},
          {"CID", now.id.substr(0, 12)},
          {"Name", now.name}};
}

}  // namespace berth::api
