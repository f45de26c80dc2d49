#pragma once

// The security, resource, name-resolution, label and environment flags of
// `run` and `create`, as the user typed them. LocalEngine::create validates
// them (see create_resources.hpp); "" means the flag was not given.

#include <string>
#include <vector>

namespace berth::engine {

struct HostFlags {
  // Security.
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool privileged = false;
  std::vector<std::string> devices;  // HOST[:CONTAINER][:PERMISSIONS]

  // Resources. Sizes take Podman's b, k, m and g suffixes.
  std::string memory;
  std::string memory_reservation;
  std::string memory_swap;        // a size, or -1 for unlimited swap
  std::string memory_swappiness;  // 0 to 100, -1 for the kernel's
  std::string cpus;               // a decimal number of CPUs
  std::string cpu_shares;
  std::string cpu_period;  // microseconds
  std::string cpu_quota;   // microseconds per period, -1 for none
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::string pids_limit;  // 0 or -1 for unlimited
  std::string blkio_weight;  // 10 to 1000
  std::vector<std::string> ulimits;  // NAME=SOFT[:HARD], or "host"
  std::vector<std::string> sysctls;  // NAME=VALUE
  std::string shm_size;
  std::string oom_score_adj;  // -1000 to 1000

  // /etc/hosts and /etc/resolv.conf.
  std::vector<std::string> add_hosts;  // NAME[;NAME...]:IP or NAME:host-gateway
  bool no_hosts = false;
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::vector<std::string> dns_options;

  // Labels, annotations and environment.
  std::vector<std::string> labels;  // KEY[=VALUE]
  std::vector<std::string> label_files;
  std::vector<std::string> annotations;  // KEY=VALUE
  bool env_host = false;
  std::vector<std::string> env_merge;  // KEY=VALUE with ${VAR} references
  std::vector<std::string> unsetenv;
  bool unsetenv_all = false;

  // Files: the CLI writes cidfile; each start writes the monitor's pid.
  std::string cidfile;
  std::string conmon_pidfile;
  // --replace: the CLI removes a container of the same --name first.
  bool replace = false;
};

}  // namespace berth::engine
