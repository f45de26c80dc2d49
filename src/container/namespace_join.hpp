#pragma once

// Joined namespaces at start: a container of a pod, or one run with --ipc,
// --uts, --pid or --network container:NAME, enters the namespaces of
// another container (ContainerConfig::joined_namespaces).

#include "container/config.hpp"
#include "container/context.hpp"
#include "runtime/spec.hpp"

namespace berth::container {

// Starts each container whose namespaces config joins that has no process,
// as Podman starts a member's infra container first.
void start_joined_containers(Context& ctx, const ContainerConfig& config);

// Puts the joined namespaces into in: /proc/PID/ns paths of the running
// containers, kHostNetwork for the host's. A joined network also gives the
// container the other's /etc/hosts and /etc/resolv.conf, a joined UTS
// namespace its /etc/hostname. Throws Error{kConflict} naming a joined
// container that is not running.
void add_joined_namespaces(Context& ctx, const ContainerConfig& config, runtime::SpecInput& in);

}  // namespace berth::container
