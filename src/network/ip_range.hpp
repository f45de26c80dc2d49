#pragma once

// The two ways an address range reaches a network: the --ip-range value of
// `network create` ("10.89.0.128/25" or, as Podman 5 takes it,
// "10.89.0.10-10.89.0.20") and the lease_range of the libpod network JSON.

#include <string>
#include <string_view>

#include "network/network_config.hpp"

namespace berth::network {

// Returns the lease range an --ip-range value gives. A CIDR value spans its
// first host to its last address, which are the bounds Podman writes for
// it. "START-END" spans START to END. Throws Error{kInvalidArgument} naming
// the value when it is neither form or when END comes before START.
LeaseRange lease_range_of(std::string_view ip_range);

// Returns the --ip-range value of a lease range: the CIDR form when the
// range is what lease_range_of gives for one, "START-END" otherwise. So
// lease_range_of(ip_range_of(r)) == r. Throws Error{kInvalidArgument} for a
// range without both addresses or with an address that does not parse.
std::string ip_range_of(const LeaseRange& range);

}  // namespace berth::network
