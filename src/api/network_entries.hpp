#pragma once

// Podman's per-network entries of a create body ({"NAME": {aliases,
// static_ips, static_mac}}) as the --network values that create reads.

#include <string>

#include <nlohmann/json.hpp>

namespace berth::api {

// Returns name with the entry's aliases, static IP and static MAC as
// options ("NAME:alias=A,ip=ADDRESS,mac=ADDRESS", see
// engine/network_value.hpp). An entry that is not an object adds nothing.
// Throws Error{kInvalidArgument} for more than one static IP or a field of
// the wrong type.
std::string network_value_of_entry(const std::string& name, const nlohmann::json& entry);

}  // namespace berth::api
