#pragma once

// Networks a container joins after it was created: `network connect` and
// `network disconnect`, and the start and cleanup steps for those networks.

#include <string>

#include "container/config.hpp"
#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

// Adds network request.name (already resolved to a network name) to the
// container with ID id. A container without a process joins the network at
// its next start. A running or paused one gets the next free ethN interface
// at once, with an address from the network's IPAM, and a line for that
// address in its /etc/hosts. Connecting a stopped container to a network it
// is on already does nothing, as in Podman.
// Throws Error{kNotFound} for a container that is gone,
// Error{kInvalidArgument} when the network mode is not bridge, for a MAC
// address that does not parse or a static address outside the network's
// subnets, and Error{kAlreadyExists} when a running container is on the
// network already. On failure nothing changes.
void join_network(Context& ctx, const std::string& id, const ConnectedNetwork& request);

// Checks the aliases, static MAC and static IP of request against network
// request.name, with Podman's messages. Throws Error{kInvalidArgument} for
// an invalid alias or MAC address, or an address outside the subnets.
void check_network_request(Context& ctx, const ConnectedNetwork& request);

// Removes network_name from the container with ID id: from its stored
// networks, and for a running container also its interface, its address
// and its /etc/hosts line. Throws Error{kNotFound} when the container is
// not on the network, Error{kInvalidArgument} when the network mode is not
// bridge.
void leave_network(Context& ctx, const std::string& id, const std::string& network_name);

// Start: reserves an address on every connected network of config and
// records them in state.connected as eth1, eth2, ... in order. On failure
// the addresses reserved so far are released and the Error is rethrown.
void allocate_connected_networks(Context& ctx, const std::string& id,
                                 const ContainerConfig& config, NetworkState& state);

// Start: creates the interfaces of state.connected in state.netns and fills
// in their MACs. On failure the connected networks are detached and the
// Error is rethrown.
void attach_connected_networks(Context& ctx, const std::string& id,
                               const ContainerConfig& config, NetworkState& state);

// Stop, removal and failed starts: releases the addresses of every
// connected network in config or in the record's network state. The
// interfaces are deleted only when delete_veth_pairs, since removing the
// namespace takes them along. Idempotent.
void release_connected_networks(Context& ctx, const state::ContainerRecord& record,
                                const ContainerConfig& config, bool delete_veth_pairs);

}  // namespace berth::container
