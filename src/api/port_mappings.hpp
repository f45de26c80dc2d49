#pragma once

// The portmappings list of a libpod SpecGenerator (container and pod
// create), turned back into -p values for the local create.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::api {

// Returns one "[HOST_IP:][HOST_PORT[-END]]:CONTAINER_PORT[-END][/PROTOCOL]"
// value per entry of body["portmappings"], whose entries have Podman's
// host_ip, host_port, container_port, range and protocol fields. A range of
// 0 or 1 is one port, host_port 0 leaves the host ports to the create, and
// protocol tcp, the default, is left out.
// The values are not checked here: the local create parses them, so a bad
// entry fails with the local message. Throws Error{kInvalidArgument} when
// the list or an entry has the wrong JSON type.
std::vector<std::string> publish_values(const nlohmann::json& body);

}  // namespace berth::api
