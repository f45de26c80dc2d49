#pragma once

// Turning a container's HostConfig (security, resources, /etc settings)
// into the OCI spec input at start, and the files a start writes for it.

#include <string>

#include "container/config.hpp"
#include "runtime/spec.hpp"

namespace berth::container {

// Fills the security, device, cgroup, rlimit, sysctl and /dev/shm fields of
// input from config.host_config, and drops the /etc/hosts or
// /etc/resolv.conf mount for --no-hosts or --dns none. Reads the host's
// device nodes. Throws Error{kNotFound} for a --device that has gone from
// the host.
void apply_host_config(const ContainerConfig& config, runtime::SpecInput& input);

// Writes the pid of the berth-monitor that serves attach_socket to path
// for --conmon-pidfile, when path is not empty. The container runs by then,
// so a failure is logged as a warning, not thrown.
void write_monitor_pidfile(const std::string& attach_socket, const std::string& path);

}  // namespace berth::container
