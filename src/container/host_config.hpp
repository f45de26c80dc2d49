#pragma once

// The security, resource and name-resolution settings of a container, as
// `run` and `create` flags give them (--cap-add, --memory, --ulimit, --dns,
// ...). Stored inside ContainerConfig, validated and normalized at create,
// and turned into the OCI spec at every start.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::container {

// One --ulimit: a resource limit name such as "nofile" and its values.
// RLIM_INFINITY stands for "unlimited".
struct Ulimit {
  std::string name;  // lowercase, without "RLIMIT_": "nofile", "nproc", ...
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

// One --device HOST[:CONTAINER][:PERMISSIONS].
struct DeviceMapping {
  std::string host_path;
  std::string container_path;
  std::string permissions = "rwm";  // a subset of "rwm"
};

struct SecuritySettings {
  std::vector<std::string> cap_add;   // normalized: "CAP_NET_ADMIN" or "ALL"
  std::vector<std::string> cap_drop;
  bool privileged = false;
  bool no_new_privileges = false;
  // The JSON text of the profile file given with seccomp=FILE, read at
  // create; "" for the default profile.
  std::string seccomp_profile;
  std::vector<std::string> mask;    // extra masked paths
  std::vector<std::string> unmask;  // paths (or globs) no longer masked; "ALL"
  // The --security-opt values as given, for inspect's SecurityOpt.
  std::vector<std::string> options;
  std::vector<DeviceMapping> devices;
};

// Resource limits. Unset means no limit; values are in bytes, CPU shares,
// microseconds or pids as the cgroup files take them.
struct ResourceSettings {
  std::optional<std::int64_t> memory;
  std::optional<std::int64_t> memory_reservation;
  std::optional<std::int64_t> memory_swap;  // memory plus swap; -1 unlimited
  std::optional<std::uint64_t> memory_swappiness;
  std::int64_t nano_cpus = 0;  // --cpus times 1e9
  std::optional<std::uint64_t> cpu_shares;
  std::optional<std::uint64_t> cpu_period;
  std::optional<std::int64_t> cpu_quota;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::int64_t pids_limit = 2048;  // 0 or less: unlimited (Podman's default is 2048)
  std::optional<std::uint16_t> blkio_weight;
  std::vector<Ulimit> ulimits;  // --ulimit
  // containers.conf default_ulimits, lowered to the host's hard limits at
  // start; a --ulimit of the same name replaces one.
  std::vector<Ulimit> default_ulimits;
  std::map<std::string, std::string> sysctls;
  std::int64_t shm_size = 64 * 1024 * 1024;  // 0: no size limit
  std::optional<int> oom_score_adj;
};

// The entries of the container's /etc/hosts and /etc/resolv.conf.
struct NameResolution {
  std::vector<std::string> add_hosts;  // "NAME[;NAME...]:IP" or "NAME:host-gateway"
  bool no_hosts = false;               // keep the image's /etc/hosts
  std::vector<std::string> dns_servers;  // "none": keep the image's resolv.conf
  std::vector<std::string> dns_search;   // "." clears the host's search list
  std::vector<std::string> dns_options;
};

struct HostConfig {
  SecuritySettings security;
  ResourceSettings resources;
  NameResolution names;
  std::string cidfile;         // where the ID was written at create, or ""
  std::string conmon_pidfile;  // where each start writes berth-monitor's pid, or ""
};

void to_json(nlohmann::json& j, const Ulimit& u);
void from_json(const nlohmann::json& j, Ulimit& u);
void to_json(nlohmann::json& j, const DeviceMapping& d);
void from_json(const nlohmann::json& j, DeviceMapping& d);
void to_json(nlohmann::json& j, const HostConfig& h);
void from_json(const nlohmann::json& j, HostConfig& h);

}  // namespace berth::container
