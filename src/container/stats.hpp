#pragma once

// Resource usage of a running container (`stats`), read from its cgroup
// files (v1 controllers, or the v2 unified hierarchy) and from
// /proc/PID/net/dev of its network namespace. The parsers take file
// contents, so that tests can feed them sample text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

// One sample of a container's counters. Byte counts and nanoseconds are
// cumulative since the container started.
struct ContainerStats {
  std::string id;
  std::string name;
  std::int64_t cpu_ns = 0;         // CPU time used by every process
  std::int64_t sampled_ns = 0;     // wall clock (CLOCK_REALTIME) of the sample
  std::int64_t started_ns = 0;     // when the container started
  std::int64_t memory_usage = 0;   // bytes, page cache excluded as Podman does
  std::int64_t memory_limit = 0;   // bytes; host memory when unlimited
  std::int64_t net_input = 0;      // bytes received on every interface but lo
  std::int64_t net_output = 0;
  std::int64_t block_input = 0;    // bytes read from block devices
  std::int64_t block_output = 0;
  std::int64_t pids = 0;
  bool running = false;            // false: every counter is 0
};

// Parses a cgroup v2 "KEY VALUE" file (memory.stat, cpu.stat) and returns
// the value of key, or nullopt when it is missing.
std::optional<std::int64_t> parse_flat_keyed(std::string_view text, std::string_view key);

// Parses io.stat (v2): "MAJ:MIN rbytes=N wbytes=N ..." lines. Returns the
// sums of rbytes and wbytes over every device.
std::pair<std::int64_t, std::int64_t> parse_io_stat(std::string_view text);

// Parses blkio.throttle.io_service_bytes (v1): "MAJ:MIN Read N" lines.
// Returns the sums of Read and Write.
std::pair<std::int64_t, std::int64_t> parse_blkio_service_bytes(std::string_view text);

// Parses /proc/PID/net/dev and returns the received and sent bytes of
// every interface except lo.
std::pair<std::int64_t, std::int64_t> parse_net_dev(std::string_view text);

// Parses a limit file: a number, or "max" (v2) which gives nullopt. A v1
// value at or above 2^62 means no limit too and gives nullopt.
std::optional<std::int64_t> parse_limit(std::string_view text);

// Reads the counters of a container. A container that is not running (or
// paused) gives zeros with running false, as Podman shows it.
ContainerStats read_stats(Context& ctx, const state::ContainerRecord& record);

// Returns the CPU percentage between two samples of one container: CPU time
// used over wall-clock time passed, times 100, so a container that keeps two
// CPUs busy shows 200%, as in Podman. Without a previous sample it is the
// average since the container started.
double cpu_percent(const ContainerStats& now, const ContainerStats* previous);

// Returns the average CPU percentage since the container started.
double average_cpu_percent(const ContainerStats& now);

}  // namespace berth::container
