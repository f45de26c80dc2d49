#pragma once

// Pods: finding a pod's record and its members in the state database.

#include <string>
#include <vector>

#include "state/database.hpp"

namespace berth::pod {

// The pod whose name is name_or_id, whose ID it is, or whose ID starts with
// it. Throws Error{kNotFound} for none and Error{kInvalidArgument} for a
// prefix of several IDs.
state::PodRecord find_pod(state::Database& db, const std::string& name_or_id);

// The pod ID in a container's stored config ("" for none).
std::string container_pod_id(const state::ContainerRecord& record);

// Whether the container is its pod's infra container.
bool is_infra(const state::ContainerRecord& record);

// The members of pod among containers: the infra container
// first, then the others in the order of containers (creation order).
std::vector<state::ContainerRecord> pod_members(const std::vector<state::ContainerRecord>& containers,
                                                const state::PodRecord& pod);

}  // namespace berth::pod
