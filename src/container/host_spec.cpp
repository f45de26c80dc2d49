#include "container/host_spec.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/attach.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::container {

namespace {

runtime::Rlimit to_rlimit(const Ulimit& ulimit) {
  std::string type = "RLIMIT_";
  for (char c : ulimit.name)
    type.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return {type, ulimit.soft, ulimit.hard};
}

// The device nodes of one --device: the node itself, or every node under a
// directory, placed under the container path.
std::vector<runtime::Device> mapped_devices(const DeviceMapping& mapping) {
  struct stat st {};
  if (::stat(mapping.host_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::vector<runtime::Device> devices;
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(mapping.host_path, ec)) {
      struct stat node {};
      if (::stat(entry.path().c_str(), &node) != 0) continue;
      if (!S_ISCHR(node.st_mode) && !S_ISBLK(node.st_mode)) continue;
      std::string relative = entry.path().lexically_relative(mapping.host_path).string();
      devices.push_back(runtime::device_from_path(
          entry.path().string(), mapping.container_path + "/" + relative, mapping.permissions));
    }
    return devices;
  }
  return {
      runtime::device_from_path(mapping.host_path, mapping.container_path, mapping.permissions)};
}

void remove_mount(runtime::SpecInput& input, const std::string& destination) {
  std::erase_if(input.mounts,
                [&](const runtime::Mount& mount) { return mount.destination == destination; });
}

}  // namespace

void apply_host_config(const ContainerConfig& config, runtime::SpecInput& input) {
  const HostConfig& host = config.host_config;
  const SecuritySettings& security = host.security;
  input.add_caps = security.cap_add;
  input.drop_caps = security.cap_drop;
  input.security.privileged = security.privileged;
  input.security.no_new_privileges = security.no_new_privileges;
  if (!security.seccomp_profile.empty()) {
    input.security.seccomp_profile = nlohmann::json::parse(security.seccomp_profile);
  }
  input.security.mask = security.mask;
  input.security.unmask = security.unmask;
  if (security.privileged) input.security.devices = runtime::host_devices();
  for (const DeviceMapping& mapping : security.devices) {
    for (runtime::Device& device : mapped_devices(mapping)) {
      std::erase_if(input.security.devices,
                    [&](const runtime::Device& d) { return d.path == device.path; });
      input.security.devices.push_back(std::move(device));
    }
  }

  const ResourceSettings& r = host.resources;
  runtime::ResourceSpec& out = input.resources;
  out.memory = r.memory;
  out.memory_reservation = r.memory_reservation;
  out.memory_swap = r.memory_swap;
  out.memory_swappiness = r.memory_swappiness;
  out.cpu_shares = r.cpu_shares;
  out.cpu_period = r.cpu_period;
  out.cpu_quota = r.cpu_quota;
  out.cpuset_cpus = r.cpuset_cpus;
  out.cpuset_mems = r.cpuset_mems;
  out.blkio_weight = r.blkio_weight;
  for (const Ulimit& ulimit : r.default_ulimits) out.default_rlimits.push_back(to_rlimit(ulimit));
  for (const Ulimit& ulimit : r.ulimits) out.rlimits.push_back(to_rlimit(ulimit));
  out.sysctls = r.sysctls;
  out.oom_score_adj = r.oom_score_adj;
  input.pids_limit = r.pids_limit;
  input.shm_size = r.shm_size;

  if (host.names.no_hosts) remove_mount(input, "/etc/hosts");
  if (host.names.dns_servers.size() == 1 && host.names.dns_servers.front() == "none") {
    remove_mount(input, "/etc/resolv.conf");
  }
}

void write_monitor_pidfile(const std::string& attach_socket, const std::string& path) {
  if (path.empty()) return;
  try {
    os::Fd socket(connect_attach_socket(attach_socket));
    ucred peer{};
    socklen_t length = sizeof peer;
    if (::getsockopt(socket.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) {
      fail_errno(errno, "reading the pid of berth-monitor from \"" + attach_socket + "\"");
    }
    os::write_file_atomic(path, std::to_string(peer.pid), 0644, os::Durability::kVolatile);
  } catch (const Error& e) {
    spdlog::warn("writing --conmon-pidfile \"{}\": {}", path, e.what());
  }
}

}  // namespace berth::container
