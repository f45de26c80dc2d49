#pragma once

// Remote client: the body of POST /libpod/containers/create, Podman's
// SpecGenerator with its snake_case field names, built from the run and
// create flags.

#include <string>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace berth::engine::remote {

// Builds the SpecGenerator body for request. Values that the local create
// checks with the same parsers (sizes, mounts, secrets, health check and
// log options) are checked here, so a bad value fails with the local
// message before anything is sent. Throws Error{kInvalidArgument} for a bad
// value and Error{kUnavailable} for an option that remote mode does not
// carry yet (see docs/remote.md).
nlohmann::json create_body(const CreateRequest& request);

// Parses a -p value with the local parser (network::parse_publish_spec)
// into a libpod port mapping: host_ip, host_port (absent when the service
// picks free ports), container_port, range and protocol. Throws
// Error{kInvalidArgument} with the local message.
nlohmann::json port_mapping(const std::string& value);

// Returns the libpod netns object of a --network value: its mode, and the
// container or path it names. The default and user networks are "bridge",
// which leaves naming a user network to the caller's Networks field.
nlohmann::json netns_spec(const std::string& network);

// Whether a --network value names a bridge network other than the default.
bool is_user_network(const std::string& network);

// Returns the libpod Networks object for a bridge --network value, as
// Podman's client sends it: {NAME: {aliases, static_ips, static_mac}},
// with "default" as the name of the default network when the value has
// options. Null for the default network without options. Throws
// Error{kInvalidArgument} for an invalid value, with the local message.
nlohmann::json networks_field(const std::string& network);

}  // namespace berth::engine::remote
