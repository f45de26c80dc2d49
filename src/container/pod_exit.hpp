#pragma once

// Pods: the exit policy "stop" (`pod create --exit-policy stop`).

#include <string>

#include "container/context.hpp"

namespace berth::container {

// Stops the pod's infra container after its last member exited, when
// container id belongs to a pod whose exit policy is "stop". Run by the
// cleanup of an exited container. Failures are logged, never thrown.
void apply_pod_exit_policy(Context& ctx, const std::string& id) noexcept;

}  // namespace berth::container
