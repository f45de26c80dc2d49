#pragma once

// Remote client: pods in the libpod API's JSON, the create body sent and
// the inspect reply read back.

#include <nlohmann/json.hpp>

#include "engine/pod_requests.hpp"

namespace berth::engine::remote {

// Builds the PodSpecGenerator body of POST /libpod/pods/create. Label
// files are read here, on the client. Throws Error{kInvalidArgument} for a
// bad -p value or label, and Error{kNotFound} for a missing label file.
nlohmann::json pod_create_body(const PodCreateRequest& request);

// Reads Podman's pod inspect JSON (InspectPodData) into a PodReport,
// with the ports in the order of the reply's PortBindings.
PodReport pod_from_inspect(const nlohmann::ordered_json& inspect);

}  // namespace berth::engine::remote
