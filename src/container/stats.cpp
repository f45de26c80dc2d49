#include "container/stats.hpp"

#include <charconv>
#include <map>
#include <sstream>

#include "common/error.hpp"
#include "common/time.hpp"
#include "os/file.hpp"
#include "runtime/oci_runtime.hpp"

namespace berth::container {

namespace {

std::optional<std::int64_t> to_int(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Splits text into whitespace-separated words per line.
std::vector<std::vector<std::string>> lines_of_words(std::string_view text) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> row;
    std::string word;
    while (words >> word) row.push_back(word);
    if (!row.empty()) lines.push_back(std::move(row));
  }
  return lines;
}

// The cgroup directories of a process, from /proc/PID/cgroup: one per v1
// controller name ("memory", "cpuacct", ...) and "" for the v2 hierarchy.
std::map<std::string, std::string> cgroup_dirs(std::int64_t pid) {
  std::map<std::string, std::string> dirs;
  auto text = os::read_file_if_exists("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text) return dirs;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    // "ID:CONTROLLERS:PATH"; CONTROLLERS may be "cpu,cpuacct".
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      dirs[""] = path;
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ',')) dirs[name] = path;
  }
  return dirs;
}

std::int64_t host_memory_bytes() {
  auto meminfo = os::read_file_if_exists("/proc/meminfo").value_or("");
  for (const auto& words : lines_of_words(meminfo)) {
    if (words.size() >= 2 && words[0] == "MemTotal:") return to_int(words[1]).value_or(0) * 1024;
  }
  return 0;
}

// Reads a file of the container's cgroup; nullopt when it is missing.
class CgroupReader {
 public:
  CgroupReader(std::int64_t pid, runtime::CgroupMode mode)
      : dirs_(cgroup_dirs(pid)), mode_(mode) {}

  bool unified() const { return mode_ == runtime::CgroupMode::kUnified; }

  std::optional<std::string> read(const std::string& controller, const std::string& file) const {
    std::string key = unified() ? "" : controller;
    auto dir = dirs_.find(key);
    if (dir == dirs_.end()) return std::nullopt;
    std::string base = unified() ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + controller;
    return os::read_file_if_exists(base + dir->second + "/" + file);
  }

 private:
  std::map<std::string, std::string> dirs_;
  runtime::CgroupMode mode_;
};

void read_cgroup_v1(const CgroupReader& cgroup, ContainerStats& stats) {
  stats.cpu_ns = to_int(cgroup.read("cpuacct", "cpuacct.usage").value_or("")).value_or(0);
  std::int64_t usage =
      to_int(cgroup.read("memory", "memory.usage_in_bytes").value_or("")).value_or(0);
  auto memory_stat = cgroup.read("memory", "memory.stat").value_or("");
  auto inactive = parse_flat_keyed(memory_stat, "total_inactive_file").value_or(0);
  stats.memory_usage = inactive <= usage ? usage - inactive : usage;
  if (auto limit = parse_limit(cgroup.read("memory", "memory.limit_in_bytes").value_or(""))) {
    stats.memory_limit = *limit;
  }
  auto [read, written] = parse_blkio_service_bytes(
      cgroup.read("blkio", "blkio.throttle.io_service_bytes").value_or(""));
  stats.block_input = read;
  stats.block_output = written;
  stats.pids = to_int(cgroup.read("pids", "pids.current").value_or("")).value_or(0);
}

void read_cgroup_v2(const CgroupReader& cgroup, ContainerStats& stats) {
  auto cpu_stat = cgroup.read("", "cpu.stat").value_or("");
  stats.cpu_ns = parse_flat_keyed(cpu_stat, "usage_usec").value_or(0) * 1000;
  std::int64_t usage = to_int(cgroup.read("", "memory.current").value_or("")).value_or(0);
  auto memory_stat = cgroup.read("", "memory.stat").value_or("");
  auto inactive = parse_flat_keyed(memory_stat, "inactive_file").value_or(0);
  stats.memory_usage = inactive <= usage ? usage - inactive : usage;
  if (auto limit = parse_limit(cgroup.read("", "memory.max").value_or(""))) {
    stats.memory_limit = *limit;
  }
  auto [read, written] = parse_io_stat(cgroup.read("", "io.stat").value_or(""));
  stats.block_input = read;
  stats.block_output = written;
  stats.pids = to_int(cgroup.read("", "pids.current").value_or("")).value_or(0);
}

}  // namespace

std::optional<std::int64_t> parse_flat_keyed(std::string_view text, std::string_view key) {
  for (const auto& words : lines_of_words(text)) {
    if (words.size() >= 2 && words[0] == key) return to_int(words[1]);
  }
  return std::nullopt;
}

std::pair<std::int64_t, std::int64_t> parse_io_stat(std::string_view text) {
  std::int64_t read = 0;
  std::int64_t written = 0;
  for (const auto& words : lines_of_words(text)) {
    for (std::size_t i = 1; i < words.size(); ++i) {
      const auto& word = words[i];
      if (word.starts_with("rbytes=")) read += to_int(word.substr(7)).value_or(0);
      if (word.starts_with("wbytes=")) written += to_int(word.substr(7)).value_or(0);
    }
  }
  return {read, written};
}

std::pair<std::int64_t, std::int64_t> parse_blkio_service_bytes(std::string_view text) {
  std::int64_t read = 0;
  std::int64_t written = 0;
  for (const auto& words : lines_of_words(text)) {
    // The last line, "Total N", has no device.
    if (words.size() != 3) continue;
    if (words[1] == "Read") read += to_int(words[2]).value_or(0);
    if (words[1] == "Write") written += to_int(words[2]).value_or(0);
  }
  return {read, written};
}

std::pair<std::int64_t, std::int64_t> parse_net_dev(std::string_view text) {
  std::int64_t received = 0;
  std::int64_t sent = 0;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    // "  eth0: RX-bytes packets errs drop fifo frame compressed multicast TX-bytes ..."
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name == "lo") continue;
    auto words = lines_of_words(line.substr(colon + 1));
    if (words.empty() || words[0].size() < 9) continue;
    received += to_int(words[0][0]).value_or(0);
    sent += to_int(words[0][8]).value_or(0);
  }
  return {received, sent};
}

std::optional<std::int64_t> parse_limit(std::string_view text) {
  auto value = to_int(text);
  if (!value || *value >= (std::int64_t{1} << 62)) return std::nullopt;
  return value;
}

ContainerStats read_stats(Context& ctx, const state::ContainerRecord& record) {
  (void)ctx;
  ContainerStats stats;
  stats.id = record.id;
  stats.name = record.name;
  stats.sampled_ns = now_ns();
  stats.started_ns = record.started_ns;
  if ((record.status != "running" && record.status != "paused") || record.pid <= 0) {
    return stats;
  }
  stats.running = true;
  CgroupReader cgroup(record.pid, runtime::detect_cgroup_mode());
  if (cgroup.unified()) {
    read_cgroup_v2(cgroup, stats);
  } else {
    read_cgroup_v1(cgroup, stats);
  }
  if (stats.memory_limit == 0) stats.memory_limit = host_memory_bytes();
  auto net_dev = os::read_file_if_exists("/proc/" + std::to_string(record.pid) + "/net/dev");
  auto [received, sent] = parse_net_dev(net_dev.value_or(""));
  stats.net_input = received;
  stats.net_output = sent;
  return stats;
}

double cpu_percent(const ContainerStats& now, const ContainerStats* previous) {
  if (!previous || !previous->running) return average_cpu_percent(now);
  double cpu = static_cast<double>(now.cpu_ns - previous->cpu_ns);
  double wall = static_cast<double>(now.sampled_ns - previous->sampled_ns);
  if (cpu <= 0 || wall <= 0) return 0;
  return cpu / wall * 100;
}

double average_cpu_percent(const ContainerStats& now) {
  double cpu = static_cast<double>(now.cpu_ns);
  double wall = static_cast<double>(now.sampled_ns - now.started_ns);
  if (!now.running || cpu <= 0 || wall <= 0) return 0;
  return cpu / wall * 100;
}

}  // namespace berth::container
