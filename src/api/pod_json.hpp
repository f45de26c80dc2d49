#pragma once

// Pods in Podman's libpod JSON: the PodSpecGenerator body of POST
// /libpod/pods/create read into the engine's request, and the engine's
// PodReport written as pod inspect and pod ps show it.

#include <nlohmann/json.hpp>

#include "engine/pod_requests.hpp"

namespace berth::api {

// Reads a PodSpecGenerator body. Fields that map to a `pod create` flag
// become that flag's value, so the engine checks them with the local
// messages: shared_namespaces joins into --share, portmappings become -p
// values, netns and Networks become --network values. Fields with no
// berth flag are ignored. Throws Error{kInvalidArgument} naming the field
// for a field of the wrong type.
engine::PodCreateRequest pod_create_request(const nlohmann::json& body);

// Podman's InspectPodData: GET /libpod/pods/{name}/json.
nlohmann::ordered_json pod_inspect_json(const engine::PodReport& pod);

// Podman's ListPodsReport: one entry of GET /libpod/pods/json.
nlohmann::ordered_json pod_list_json(const engine::PodReport& pod);

}  // namespace berth::api
