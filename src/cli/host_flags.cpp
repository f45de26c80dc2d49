#include "cli/host_flags.hpp"

#include <sys/stat.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::cli {

namespace {

// Adds a repeatable option that also splits its values at commas, as
// Podman's string-slice flags do.
CLI::Option* add_list(CLI::App& cmd, const std::string& name, std::vector<std::string>& values,
                      const std::string& help) {
  return cmd.add_option(name, values, help)->allow_extra_args(false)->delimiter(',');
}

// Adds a repeatable option whose values are kept whole.
CLI::Option* add_array(CLI::App& cmd, const std::string& name, std::vector<std::string>& values,
                       const std::string& help) {
  return cmd.add_option(name, values, help)->allow_extra_args(false);
}

void add_security_flags(CLI::App& cmd, engine::HostFlags& f) {
  add_list(cmd, "--cap-add", f.cap_add, "Add capabilities (NET_ADMIN, CAP_SYS_TIME, ALL)");
  add_list(cmd, "--cap-drop", f.cap_drop, "Drop capabilities (CHOWN, ALL)");
  cmd.add_flag("--privileged", f.privileged,
               "Give all capabilities and host devices, no seccomp filter and no masked paths");
  add_array(cmd, "--device", f.devices, "Add a host device: HOST[:CONTAINER][:PERMISSIONS]");
}

void add_resource_flags(CLI::App& cmd, engine::HostFlags& f) {
  cmd.add_option("-m,--memory", f.memory, "Memory limit (bytes, or with b, k, m or g)");
  cmd.add_option("--memory-reservation", f.memory_reservation, "Memory soft limit (size)");
  cmd.add_option("--memory-swap", f.memory_swap,
                 "Memory plus swap limit (size), or -1 for unlimited swap");
  cmd.add_option("--memory-swappiness", f.memory_swappiness,
                 "How readily the kernel swaps the container's memory, 0 to 100");
  cmd.add_option("--cpus", f.cpus, "Number of CPUs the container may use, e.g. 0.5");
  cmd.add_option("-c,--cpu-shares", f.cpu_shares, "CPU shares (relative weight)");
  cmd.add_option("--cpu-period", f.cpu_period, "CPU CFS period in microseconds");
  cmd.add_option("--cpu-quota", f.cpu_quota, "CPU CFS quota in microseconds per period");
  cmd.add_option("--cpuset-cpus", f.cpuset_cpus, "CPUs the container may run on (0-3, 0,1)");
  cmd.add_option("--cpuset-mems", f.cpuset_mems, "Memory nodes the container may use (0-3, 0,1)");
  cmd.add_option("--pids-limit", f.pids_limit, "Maximum number of processes, -1 for unlimited");
  cmd.add_option("--blkio-weight", f.blkio_weight, "Block I/O weight, 10 to 1000");
  add_array(cmd, "--ulimit", f.ulimits, "Resource limit NAME=SOFT[:HARD], or host");
  add_list(cmd, "--sysctl", f.sysctls, "Namespaced kernel parameter NAME=VALUE");
  cmd.add_option("--shm-size", f.shm_size, "Size of /dev/shm (size, 0 for no limit)");
  cmd.add_option("--oom-score-adj", f.oom_score_adj, "OOM killer score adjustment, -1000 to 1000");
}

void add_name_flags(CLI::App& cmd, engine::HostFlags& f) {
  add_list(cmd, "--add-host", f.add_hosts, "Add NAME:IP (or NAME:host-gateway) to /etc/hosts");
  cmd.add_flag("--no-hosts", f.no_hosts, "Keep the image's /etc/hosts");
  add_list(cmd, "--dns", f.dns, "DNS server for /etc/resolv.conf, or none");
  add_list(cmd, "--dns-search", f.dns_search, "DNS search domain, or . for none");
  add_list(cmd, "--dns-option", f.dns_options, "DNS resolver option, e.g. ndots:2");
}

void add_metadata_flags(CLI::App& cmd, engine::HostFlags& f) {
  add_array(cmd, "-l,--label", f.labels, "Set a label KEY=VALUE");
  add_array(cmd, "--label-file", f.label_files, "Read labels from a file of KEY=VALUE lines");
  add_array(cmd, "--annotation", f.annotations, "Set an OCI annotation KEY=VALUE");
  cmd.add_flag("--env-host", f.env_host, "Copy every environment variable of this process");
  add_array(cmd, "--env-merge", f.env_merge,
            "Set KEY=VALUE, where VALUE may use ${NAME} of the image's variables");
  add_array(cmd, "--unsetenv", f.unsetenv, "Remove a default environment variable");
  cmd.add_flag("--unsetenv-all", f.unsetenv_all,
               "Remove all default environment variables (image and berth's own)");
  cmd.add_option("--cidfile", f.cidfile, "Write the container ID to this file");
  cmd.add_option("--conmon-pidfile", f.conmon_pidfile,
                 "Write the pid of the container's berth-monitor to this file");
  cmd.add_flag("--replace", f.replace, "Remove a container with the same --name first");
}

}  // namespace

void add_host_flags(CLI::App& cmd, engine::HostFlags& flags) {
  add_security_flags(cmd, flags);
  add_resource_flags(cmd, flags);
  add_name_flags(cmd, flags);
  add_metadata_flags(cmd, flags);
}

void prepare_create(engine::Engine& engine, const engine::CreateRequest& request) {
  const std::string& cidfile = request.host.cidfile;
  struct stat st {};
  if (!cidfile.empty() && ::stat(cidfile.c_str(), &st) == 0) {
    fail(ErrorCode::kAlreadyExists,
         "container ID file \"{}\" exists: make sure no other container uses it, or delete it",
         cidfile);
  }
  if (!request.host.replace) return;
  if (request.name.empty()) {
    fail(ErrorCode::kInvalidArgument, "--replace needs --name: give the container to replace");
  }
  try {
    engine.remove(request.name, true);
    spdlog::debug("removed container {} for --replace", request.name);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
  }
}

void finish_create(const engine::CreateRequest& request, const std::string& id) {
  if (request.host.cidfile.empty()) return;
  with_context(fmt::format("writing --cidfile \"{}\"", request.host.cidfile),
               [&] { os::write_file_atomic(request.host.cidfile, id, 0644); });
}

}  // namespace berth::cli
