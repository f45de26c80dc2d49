#pragma once

// Pods and joined namespaces at create time: --pod, --network
// container:NAME, --ipc, --uts and --pid.

#include "container/config.hpp"
#include "container/context.hpp"
#include "engine/engine.hpp"
#include "state/database.hpp"

namespace berth::engine {

// Sets config.pod_id and config.joined_namespaces from request: the pod's
// shared namespaces (its infra container's) first, then --ipc, --uts,
// --pid and --network container:NAME. A joined network makes
// config.network_mode "container:ID"; a joined UTS namespace gives the
// member the infra container's host name. Throws Error{kNotFound} for an
// unknown pod or container and Error{kInvalidArgument} for -p, --network or
// --hostname in a pod that shares net or uts, and for a bad mode.
void apply_namespace_flags(container::Context& ctx, const CreateRequest& request,
                           container::ContainerConfig& config);

// Runs `create` of a request with --pod new:NAME: creates the pod NAME
// with the request's -p ports, as Podman moves them to the new pod's infra
// container, then the container in it. Removes the pod again when the
// container cannot be created. Returns the container ID.
std::string create_in_new_pod(Engine& engine, const CreateRequest& request,
                              PullProgress& progress);

// Throws Error{kConflict} when record is the infra container of a pod that
// still exists: it goes only with its pod (`pod rm`).
void reject_infra_removal(container::Context& ctx, const state::ContainerRecord& record);

}  // namespace berth::engine
