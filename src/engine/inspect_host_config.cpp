#include "engine/inspect_host_config.hpp"

#include <cctype>

namespace berth::engine {

namespace {

std::string upper(const std::string& text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

// The Ulimits list: the containers.conf defaults, then --ulimit values,
// one entry per name, as Podman lists them ("RLIMIT_NOFILE").
nlohmann::json ulimits_json(const container::ResourceSettings& r) {
  std::vector<container::Ulimit> ulimits = r.default_ulimits;
  for (const auto& ulimit : r.ulimits) {
    std::erase_if(ulimits, [&](const auto& u) { return u.name == ulimit.name; });
    ulimits.push_back(ulimit);
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& ulimit : ulimits) {
    out.push_back(
        {{"Name", "RLIMIT_" + upper(ulimit.name)}, {"Soft", ulimit.soft}, {"Hard", ulimit.hard}});
  }
  return out;
}

nlohmann::json devices_json(const container::SecuritySettings& security) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& device : security.devices) {
    out.push_back({{"PathOnHost", device.host_path},
                   {"PathInContainer", device.container_path},
                   {"CgroupPermissions", device.permissions}});
  }
  return out;
}

nlohmann::json security_opts_json(const container::ContainerConfig& config) {
  nlohmann::json out = config.host_config.security.options;
  bool listed = false;
  for (const auto& option : out) listed = listed || option == "seccomp=unconfined";
  if (!config.seccomp && !listed) out.push_back("seccomp=unconfined");
  return out;
}

}  // namespace

nlohmann::json host_config_inspect_json(const container::ContainerConfig& config) {
  const container::HostConfig& host = config.host_config;
  const container::ResourceSettings& r = host.resources;
  const container::SecuritySettings& s = host.security;
  const container::NameResolution& n = host.names;
  return {
      {"CapAdd", s.cap_add},
      {"CapDrop", s.cap_drop},
      {"Privileged", s.privileged},
      {"SecurityOpt", security_opts_json(config)},
      {"Devices", devices_json(s)},
      {"Memory", r.memory.value_or(0)},
      {"MemoryReservation", r.memory_reservation.value_or(0)},
      {"MemorySwap", r.memory_swap.value_or(0)},
      {"MemorySwappiness",
       r.memory_swappiness ? static_cast<std::int64_t>(*r.memory_swappiness) : std::int64_t{0}},
      {"NanoCpus", r.nano_cpus},
      {"CpuShares", r.cpu_shares.value_or(0)},
      {"CpuPeriod", r.cpu_period.value_or(0)},
      {"CpuQuota", r.cpu_quota.value_or(0)},
      {"CpusetCpus", r.cpuset_cpus},
      {"CpusetMems", r.cpuset_mems},
      {"PidsLimit", r.pids_limit},
      {"BlkioWeight", r.blkio_weight.value_or(0)},
      {"Ulimits", ulimits_json(r)},
      {"Sysctls", r.sysctls},
      {"ShmSize", r.shm_size},
      {"OomScoreAdj", r.oom_score_adj.value_or(0)},
      {"ExtraHosts", n.add_hosts},
      {"Dns", n.dns_servers},
      {"DnsSearch", n.dns_search},
      {"DnsOptions", n.dns_options},
      {"ContainerIDFile", host.cidfile},
  };
}

}  // namespace berth::engine
