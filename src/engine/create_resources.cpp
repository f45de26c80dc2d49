// Validation of the security, resource, /etc, label and environment flags
// of run and create, with the forms, defaults and errors of Podman.

#include "engine/create_resources.hpp"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/containers_conf.hpp"
#include "engine/env.hpp"
#include "os/file.hpp"
#include "runtime/oci_runtime.hpp"
#include "runtime/spec.hpp"

extern char** environ;

namespace berth::engine {

namespace {

struct UlimitType {
  const char* name;
  int resource;
};

constexpr std::array<UlimitType, 16> kUlimitTypes = {{
    {"as", RLIMIT_AS},
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
}};

// The sysctls of the IPC namespace, which a container may set (Podman's list).
constexpr std::array<const char*, 8> kIpcSysctls = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// Parses a whole decimal integer, or returns false.
template <typename T>
bool parse_integer(std::string_view text, T& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

template <typename T>
T integer_flag(std::string_view flag, std::string_view text, const char* expected) {
  T value{};
  if (!parse_integer(text, value)) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": expected {}", flag, text, expected);
  }
  return value;
}

// Splits text at every separator.
std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto at = text.find(separator, start);
    parts.emplace_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

std::string env_value(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& entry : env) {
    if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
        entry[key.size()] == '=') {
      return entry.substr(key.size() + 1);
    }
  }
  return "";
}

// Expands ${NAME} and $NAME from env, as --env-merge does.
std::string expand_env(const std::string& text, const std::vector<std::string>& env) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    std::size_t start = i + 1;
    std::size_t end = start;
    if (text[start] == '{') {
      end = text.find('}', start);
      if (end == std::string::npos) {
        fail(ErrorCode::kInvalidArgument, "invalid --env-merge \"{}\": unclosed \"${{\"", text);
      }
      out += env_value(env, text.substr(start + 1, end - start - 1));
      i = end;
      continue;
    }
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
      ++end;
    }
    if (end == start) {
      out.push_back('$');
      continue;
    }
    out += env_value(env, text.substr(start, end - start));
    i = end - 1;
  }
  return out;
}

// Whether a cgroup v1 controller has a file, for limits the kernel may lack.
bool v1_cgroup_file_exists(const char* controller, const char* file) {
  std::string path = std::string("/sys/fs/cgroup/") + controller + "/" + file;
  return ::access(path.c_str(), F_OK) == 0;
}

void apply_capabilities(const HostFlags& flags, container::SecuritySettings& security) {
  for (const auto& name : flags.cap_add) {
    security.cap_add.push_back(runtime::normalize_capability(name));
  }
  for (const auto& name : flags.cap_drop) {
    security.cap_drop.push_back(runtime::normalize_capability(name));
  }
}

std::string read_seccomp_profile(const std::string& path) {
  auto text = os::read_file_if_exists(path);
  if (!text) {
    fail(ErrorCode::kInvalidArgument,
         "opening seccomp profile \"{}\": no such file: give the path of a JSON profile", path);
  }
  nlohmann::json profile;
  try {
    profile = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "invalid seccomp profile \"{}\": {}", path, e.what());
  }
  if (!profile.is_object() || !profile.contains("defaultAction")) {
    fail(ErrorCode::kInvalidArgument, "invalid seccomp profile \"{}\": it has no \"defaultAction\"",
         path);
  }
  return profile.dump();
}

std::vector<std::string> mask_paths(const std::string& option, const std::string& value,
                                    bool allow_all) {
  std::vector<std::string> paths;
  for (auto& path : split(value, ':')) {
    if (allow_all && path == "ALL") {
      paths.push_back(path);
    } else if (path.empty() || path.front() != '/') {
      fail(ErrorCode::kInvalidArgument,
           "invalid --security-opt \"{}\": \"{}\" is not an absolute path", option, path);
    } else {
      paths.push_back(path);
    }
  }
  return paths;
}

// Applies one --security-opt: KEY=VALUE, the older KEY:VALUE, or a bare
// no-new-privileges.
void apply_security_opt(const std::string& option, container::ContainerConfig& config) {
  auto& security = config.host_config.security;
  if (option == "no-new-privileges" || option == "no-new-privileges=true" ||
      option == "no-new-privileges:true") {
    security.no_new_privileges = true;
  } else if (option == "no-new-privileges=false" || option == "no-new-privileges:false") {
    security.no_new_privileges = false;
  } else {
    auto at = option.find_first_of("=:");
    std::string key = option.substr(0, at);
    std::string value = at == std::string::npos ? "" : option.substr(at + 1);
    if (key == "seccomp" && value == "unconfined") {
      config.seccomp = false;
    } else if (key == "seccomp" && !value.empty()) {
      security.seccomp_profile = read_seccomp_profile(value);
    } else if (key == "label" &&
               (value == "disable" || value == "nested" || value.starts_with("user:") ||
                value.starts_with("role:") || value.starts_with("type:") ||
                value.starts_with("level:") || value.starts_with("filetype:"))) {
      // NOTE: berth sets no SELinux labels, so label options are only recorded.
    } else if (key == "apparmor" && value == "unconfined") {
      // Nothing to do: berth loads no AppArmor profile.
    } else if (key == "apparmor" && !value.empty()) {
      // NOTE: berth loads no AppArmor profile; naming one is refused, as
      // Podman refuses it on a host without AppArmor.
      fail(ErrorCode::kInvalidArgument,
           "invalid --security-opt \"{}\": berth does not apply AppArmor profiles; drop the "
           "option or use apparmor=unconfined",
           option);
    } else if (key == "mask" && !value.empty()) {
      for (auto& path : mask_paths(option, value, false)) security.mask.push_back(path);
    } else if (key == "unmask" && !value.empty()) {
      for (auto& path : mask_paths(option, value, true)) security.unmask.push_back(path);
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid --security-opt \"{}\": use seccomp=unconfined|FILE, no-new-privileges, "
           "label=..., apparmor=..., mask=PATHS or unmask=PATHS|ALL",
           option);
    }
  }
  security.options.push_back(option);
}

void apply_memory(const HostFlags& flags, container::ResourceSettings& r) {
  if (!flags.memory.empty()) r.memory = parse_size("--memory", flags.memory);
  if (!flags.memory_reservation.empty()) {
    r.memory_reservation = parse_size("--memory-reservation", flags.memory_reservation);
  }
  if (!flags.memory_swap.empty()) {
    r.memory_swap = flags.memory_swap == "-1" ? -1 : parse_size("--memory-swap", flags.memory_swap);
    if (!r.memory) {
      fail(ErrorCode::kInvalidArgument,
           "--memory-swap \"{}\" needs a memory limit: set --memory too", flags.memory_swap);
    }
    if (*r.memory_swap != -1 && *r.memory_swap < *r.memory) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --memory-swap \"{}\": it must be at least --memory (memory plus swap)",
           flags.memory_swap);
    }
  }
  if (r.memory && r.memory_reservation && *r.memory_reservation > *r.memory) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --memory-reservation \"{}\": it must not exceed --memory \"{}\"",
         flags.memory_reservation, flags.memory);
  }
  bool v1 = runtime::detect_cgroup_mode() != runtime::CgroupMode::kUnified;
  bool swap_accounting = !v1 || v1_cgroup_file_exists("memory", "memory.memsw.limit_in_bytes");
  if (r.memory && !r.memory_swap && swap_accounting) {
    // Podman's default: as much swap as memory.
    r.memory_swap = *r.memory * 2;
  } else if (r.memory_swap && !swap_accounting) {
    spdlog::warn("the kernel has no swap accounting: --memory-swap is ignored");
    r.memory_swap.reset();
  }
  if (!flags.memory_swappiness.empty() && flags.memory_swappiness != "-1") {
    auto value = integer_flag<std::int64_t>("--memory-swappiness", flags.memory_swappiness,
                                            "a number from 0 to 100");
    if (value < 0 || value > 100) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --memory-swappiness \"{}\": use a value from 0 to 100", value);
    }
    if (!v1) {
      spdlog::warn("cgroup v2 has no memory swappiness: --memory-swappiness is ignored");
    } else {
      r.memory_swappiness = static_cast<std::uint64_t>(value);
    }
  }
}

void apply_cpu(const HostFlags& flags, container::ResourceSettings& r) {
  if (!flags.cpu_shares.empty()) {
    r.cpu_shares =
        integer_flag<std::uint64_t>("--cpu-shares", flags.cpu_shares, "a non-negative number");
  }
  if (!flags.cpu_period.empty()) {
    r.cpu_period =
        integer_flag<std::uint64_t>("--cpu-period", flags.cpu_period, "microseconds, e.g. 100000");
  }
  if (!flags.cpu_quota.empty()) {
    r.cpu_quota = integer_flag<std::int64_t>("--cpu-quota", flags.cpu_quota,
                                             "microseconds per period, or -1");
    if (*r.cpu_quota != -1 && *r.cpu_quota < 1000) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --cpu-quota \"{}\": use at least 1000 microseconds, or -1", flags.cpu_quota);
    }
  }
  if (!flags.cpus.empty()) {
    double cpus = 0;
    auto [end, ec] =
        std::from_chars(flags.cpus.data(), flags.cpus.data() + flags.cpus.size(), cpus);
    if (ec != std::errc() || end != flags.cpus.data() + flags.cpus.size() || cpus < 0 ||
        !std::isfinite(cpus)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --cpus \"{}\": use a number of CPUs such as 0.5 or 2", flags.cpus);
    }
    if (r.cpu_period)
      fail(ErrorCode::kInvalidArgument, "--cpu-period and --cpus cannot be set together");
    if (r.cpu_quota)
      fail(ErrorCode::kInvalidArgument, "--cpu-quota and --cpus cannot be set together");
    r.nano_cpus = std::llround(cpus * 1e9);
    if (r.nano_cpus > 0) {
      constexpr std::uint64_t kPeriod = 100000;  // the kernel's default, in microseconds
      r.cpu_period = kPeriod;
      r.cpu_quota = r.nano_cpus * static_cast<std::int64_t>(kPeriod) / 1000000000;
    }
  }
  static const std::regex kCpuList(R"(^\d+(-\d+)?(,\d+(-\d+)?)*$)");
  for (auto [flag, value, target] :
       {std::tuple{"--cpuset-cpus", &flags.cpuset_cpus, &r.cpuset_cpus},
        std::tuple{"--cpuset-mems", &flags.cpuset_mems, &r.cpuset_mems}}) {
    if (value->empty()) continue;
    if (!std::regex_match(*value, kCpuList)) {
      fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": use a list such as 0-2,4", flag,
           *value);
    }
    *target = *value;
  }
}

// The containers.conf default_sysctls, as NAME=VALUE.
std::vector<std::string> default_sysctls() {
  return config::ContainersConf::load().default_sysctls.value_or(std::vector<std::string>{});
}

void apply_other_limits(const HostFlags& flags, const std::string& network_mode,
                        container::ResourceSettings& r) {
  if (!flags.pids_limit.empty()) {
    r.pids_limit = integer_flag<std::int64_t>("--pids-limit", flags.pids_limit,
                                              "a number of processes, or -1 for unlimited");
    if (r.pids_limit < 0) r.pids_limit = 0;
  }
  if (!flags.blkio_weight.empty()) {
    auto weight = integer_flag<std::int64_t>("--blkio-weight", flags.blkio_weight,
                                             "a number from 10 to 1000");
    if (weight != 0 && (weight < 10 || weight > 1000)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --blkio-weight \"{}\": use a value from 10 to 1000", weight);
    }
    bool v1 = runtime::detect_cgroup_mode() != runtime::CgroupMode::kUnified;
    if (v1 && !v1_cgroup_file_exists("blkio", "blkio.weight") &&
        !v1_cgroup_file_exists("blkio", "blkio.bfq.weight")) {
      spdlog::warn("the kernel's I/O scheduler has no block I/O weight: --blkio-weight is ignored");
    } else if (weight != 0) {
      r.blkio_weight = static_cast<std::uint16_t>(weight);
    }
  }
  for (const auto& value : flags.ulimits) {
    if (value == "host") {
      for (const auto& type : kUlimitTypes) {
        rlimit limit{};
        if (::getrlimit(type.resource, &limit) != 0) continue;
        r.ulimits.push_back({type.name, limit.rlim_cur, limit.rlim_max});
      }
      continue;
    }
    auto ulimit = parse_ulimit(value);
    std::erase_if(r.ulimits, [&](const auto& u) { return u.name == ulimit.name; });
    r.ulimits.push_back(ulimit);
  }
  // containers.conf default_sysctls first, so that --sysctl replaces them.
  // As in Podman, net.* defaults are left out when the container shares
  // another network namespace.
  bool own_netns = network_mode != "host" && !network_mode.starts_with("container:") &&
                   !network_mode.starts_with("ns:");
  for (const auto& value : default_sysctls()) {
    if (value.starts_with("net.") && !own_netns) continue;
    with_context("containers.conf default_sysctls", [&] { check_sysctl(value, network_mode); });
    auto at = value.find('=');
    r.sysctls[value.substr(0, at)] = value.substr(at + 1);
  }
  for (const auto& value : flags.sysctls) {
    check_sysctl(value, network_mode);
    auto at = value.find('=');
    r.sysctls[value.substr(0, at)] = value.substr(at + 1);
  }
  if (!flags.shm_size.empty()) r.shm_size = parse_size("--shm-size", flags.shm_size);
  if (!flags.oom_score_adj.empty()) {
    auto score =
        integer_flag<int>("--oom-score-adj", flags.oom_score_adj, "a number from -1000 to 1000");
    if (score < -1000 || score > 1000) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --oom-score-adj \"{}\": use a value from -1000 to 1000", score);
    }
    r.oom_score_adj = score;
  }
}

// The containers.conf default_ulimits, which Podman applies to every container.
std::vector<container::Ulimit> default_ulimits() {
  std::vector<container::Ulimit> ulimits;
  auto conf = config::ContainersConf::load();
  for (const auto& value : conf.default_ulimits.value_or(std::vector<std::string>{})) {
    ulimits.push_back(
        with_context("containers.conf default_ulimits", [&] { return parse_ulimit(value); }));
  }
  return ulimits;
}

void apply_names(const HostFlags& flags, container::NameResolution& names) {
  if (flags.no_hosts && !flags.add_hosts.empty()) {
    fail(ErrorCode::kInvalidArgument, "--no-hosts and --add-host cannot be set together");
  }
  for (const auto& value : flags.add_hosts) {
    auto colon = value.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --add-host \"{}\": expected NAME:IP or NAME:host-gateway", value);
    }
    std::string address = value.substr(colon + 1);
    if (address != "host-gateway" && !is_ip_address(address)) {
      fail(ErrorCode::kInvalidArgument, "invalid IP address \"{}\" in --add-host \"{}\"", address,
           value);
    }
    names.add_hosts.push_back(value);
  }
  names.no_hosts = flags.no_hosts;
  for (const auto& server : flags.dns) {
    if (server == "none" && flags.dns.size() == 1) {
      names.dns_servers.push_back(server);
    } else if (!is_ip_address(server)) {
      fail(ErrorCode::kInvalidArgument, "invalid --dns \"{}\": it is not an IP address", server);
    } else {
      names.dns_servers.push_back(server);
    }
  }
  names.dns_search = flags.dns_search;
  names.dns_options = flags.dns_options;
}

}  // namespace

std::int64_t parse_size(std::string_view flag, std::string_view text) {
  static const std::regex kSize(R"(^(\d+(\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$)");
  std::string input(text);
  std::smatch match;
  if (!std::regex_match(input, match, kSize)) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": expected a size such as 512m or 1g", flag,
         text);
  }
  double number = std::strtod(match[1].str().c_str(), nullptr);
  double multiplier = 1;
  if (match[3].matched) {
    switch (std::tolower(static_cast<unsigned char>(match[3].str()[0]))) {
      case 'k':
        multiplier = 1024.0;
        break;
      case 'm':
        multiplier = 1024.0 * 1024;
        break;
      case 'g':
        multiplier = 1024.0 * 1024 * 1024;
        break;
      case 't':
        multiplier = 1024.0 * 1024 * 1024 * 1024;
        break;
      case 'p':
        multiplier = 1024.0 * 1024 * 1024 * 1024 * 1024;
        break;
    }
  }
  double bytes = number * multiplier;
  if (bytes >= 9.2e18) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": the size is too large", flag, text);
  }
  return static_cast<std::int64_t>(bytes);
}

container::Ulimit parse_ulimit(std::string_view text) {
  auto at = text.find('=');
  if (at == std::string_view::npos || at == 0) {
    fail(ErrorCode::kInvalidArgument, "invalid --ulimit \"{}\": expected NAME=SOFT[:HARD]", text);
  }
  std::string name = lower(text.substr(0, at));
  if (name.starts_with("rlimit_")) name.erase(0, 7);
  auto known = std::find_if(kUlimitTypes.begin(), kUlimitTypes.end(),
                            [&](const UlimitType& type) { return name == type.name; });
  if (known == kUlimitTypes.end()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --ulimit \"{}\": unknown limit \"{}\" (use nofile, nproc, core, stack, ...)",
         text, name);
  }
  auto limit_value = [&](std::string_view value) -> std::uint64_t {
    if (value == "unlimited" || value == "-1") return RLIM_INFINITY;
    std::uint64_t number = 0;
    if (!parse_integer(value, number)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --ulimit \"{}\": \"{}\" is not a number or \"unlimited\"", text, value);
    }
    return number;
  };
  std::string_view values = text.substr(at + 1);
  auto colon = values.find(':');
  container::Ulimit ulimit;
  ulimit.name = name;
  ulimit.soft = limit_value(values.substr(0, colon));
  ulimit.hard =
      colon == std::string_view::npos ? ulimit.soft : limit_value(values.substr(colon + 1));
  if (ulimit.soft > ulimit.hard) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --ulimit \"{}\": the soft limit {} is above the hard limit {}", text, ulimit.soft,
         ulimit.hard);
  }
  return ulimit;
}

container::DeviceMapping parse_device(std::string_view text) {
  auto valid_mode = [](const std::string& mode) {
    if (mode.empty() || mode.size() > 3) return false;
    for (char c : mode) {
      if ((c != 'r' && c != 'w' && c != 'm') || std::count(mode.begin(), mode.end(), c) > 1) {
        return false;
      }
    }
    return true;
  };
  auto parts = split(text, ':');
  container::DeviceMapping device;
  device.host_path = parts[0];
  device.container_path = parts[0];
  if (parts.size() == 2 && valid_mode(parts[1])) {
    device.permissions = parts[1];
  } else if (parts.size() >= 2) {
    device.container_path = parts[1];
  }
  if (parts.size() == 3) {
    if (!valid_mode(parts[2])) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --device \"{}\": invalid device mode \"{}\" (use a subset of rwm)", text,
           parts[2]);
    }
    device.permissions = parts[2];
  }
  if (parts.size() > 3 || device.host_path.empty() || device.host_path.front() != '/' ||
      device.container_path.empty() || device.container_path.front() != '/') {
    fail(ErrorCode::kInvalidArgument,
         "invalid --device \"{}\": expected HOST-PATH[:CONTAINER-PATH][:PERMISSIONS] with "
         "absolute paths",
         text);
  }
  struct stat st {};
  if (::stat(device.host_path.c_str(), &st) != 0) {
    fail(ErrorCode::kInvalidArgument, "invalid --device \"{}\": \"{}\" does not exist on the host",
         text, device.host_path);
  }
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISDIR(st.st_mode)) {
    fail(ErrorCode::kInvalidArgument, "invalid --device \"{}\": \"{}\" is not a device node", text,
         device.host_path);
  }
  return device;
}

void check_sysctl(std::string_view text, const std::string& network_mode) {
  auto at = text.find('=');
  if (at == std::string_view::npos || at == 0) {
    fail(ErrorCode::kInvalidArgument, "invalid --sysctl \"{}\": expected NAME=VALUE", text);
  }
  std::string name(text.substr(0, at));
  bool ipc = std::find(kIpcSysctls.begin(), kIpcSysctls.end(), name) != kIpcSysctls.end() ||
             name.starts_with("fs.mqueue.");
  bool uts = name == "kernel.hostname" || name == "kernel.domainname";
  if (name.starts_with("net.")) {
    if (network_mode == "host") {
      fail(ErrorCode::kInvalidArgument,
           "invalid --sysctl \"{}\": it cannot be set with --network host, which shares the "
           "host's network namespace",
           text);
    }
    return;
  }
  if (!ipc && !uts) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --sysctl \"{}\": \"{}\" is not namespaced, so a container may not set it "
         "(allowed: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*, kernel.hostname, "
         "kernel.domainname)",
         text, name);
  }
}

void apply_host_flags(const CreateRequest& request, container::ContainerConfig& config) {
  const HostFlags& flags = request.host;
  container::HostConfig& host = config.host_config;
  apply_capabilities(flags, host.security);
  host.security.privileged = flags.privileged;
  for (const auto& option : request.security_opts) apply_security_opt(option, config);
  for (const auto& value : flags.devices) host.security.devices.push_back(parse_device(value));
  apply_memory(flags, host.resources);
  apply_cpu(flags, host.resources);
  apply_other_limits(flags, config.network_mode, host.resources);
  host.resources.default_ulimits = default_ulimits();
  apply_names(flags, host.names);
  host.cidfile = flags.cidfile;
  host.conmon_pidfile = flags.conmon_pidfile;
}

void apply_label_flags(const HostFlags& flags, container::ContainerConfig& config) {
  auto add_label = [&](const std::string& value) {
    auto at = value.find('=');
    if (value.empty() || at == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid label \"{}\": expected KEY=VALUE", value);
    }
    config.labels[value.substr(0, at)] = at == std::string::npos ? "" : value.substr(at + 1);
  };
  for (const auto& path : flags.label_files) {
    auto text = os::read_file_if_exists(path);
    if (!text) fail(ErrorCode::kNotFound, "label file \"{}\" not found", path);
    for (auto& line : split(*text, '\n')) {
      line.erase(0, line.find_first_not_of(" \t"));
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line.front() == '#') continue;
      add_label(line);
    }
  }
  for (const auto& value : flags.labels) add_label(value);
  for (const auto& value : flags.annotations) {
    auto at = value.find('=');
    if (at == std::string::npos || at == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid --annotation \"{}\": expected KEY=VALUE", value);
    }
    config.annotations[value.substr(0, at)] = value.substr(at + 1);
  }
}

void apply_env_defaults(const HostFlags& flags, std::vector<std::string>& env) {
  if (flags.unsetenv_all) env.clear();
  if (!flags.env_host) return;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    if (text.find('=') == std::string::npos || text.front() == '=') continue;
    set_env(env, text);
  }
}

void apply_env_overrides(const HostFlags& flags, std::vector<std::string>& env) {
  for (const auto& value : flags.env_merge) {
    auto at = value.find('=');
    if (at == std::string::npos || at == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid --env-merge \"{}\": expected KEY=VALUE", value);
    }
    set_env(env, value.substr(0, at + 1) + expand_env(value.substr(at + 1), env));
  }
  for (const auto& key : flags.unsetenv) {
    std::erase_if(
        env, [&](const std::string& entry) { return entry.substr(0, entry.find('=')) == key; });
  }
}

}  // namespace berth::engine
