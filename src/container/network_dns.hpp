#pragma once

// Container names on dns-enabled bridge networks, served by aardvark-dns:
// which names a container has, the name servers of its resolv.conf, and
// the entries added at start and network connect and removed at cleanup
// and network disconnect.

#include <string>
#include <vector>

#include "container/config.hpp"
#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

// The annotation that stores the network aliases of the container's first
// network (--network-alias, --network NAME:alias=A, EndpointsConfig
// Aliases), comma-separated. Aliases of networks added by `network
// connect` are in ConnectedNetwork::aliases.
// NOTE: an annotation because ContainerConfig has no field for them yet.
inline constexpr const char* kNetworkAliasesAnnotation = "io.berth.network.aliases";

// The annotations that store the --ip and --mac-address of the
// container's first network, for the same reason.
inline constexpr const char* kNetworkIpAnnotation = "io.berth.network.ip";
inline constexpr const char* kNetworkMacAnnotation = "io.berth.network.mac";

// Returns the aliases of the container's first network.
std::vector<std::string> primary_network_aliases(const ContainerConfig& config);

// Stores aliases as the aliases of the container's first network.
void set_primary_network_aliases(ContainerConfig& config, const std::vector<std::string>& aliases);

// Returns the container's first network with its aliases, static IP and
// static MAC, in the form `network connect` stores for the others.
ConnectedNetwork primary_network_request(const ContainerConfig& config);

// Makes request the container's first network: its name, aliases, static
// IP and static MAC.
void set_primary_network_request(ContainerConfig& config, const ConnectedNetwork& request);

// Returns the gateways of the dns-enabled networks in state, in order, for
// the container's resolv.conf. Empty when none has DNS or when aardvark-dns
// is not installed. Then the container gets the host's name servers and no
// names, and a debug line gives the reason.
std::vector<std::string> dns_name_servers(Context& ctx, const NetworkState& state);

// Adds the container's names (name, short ID, aliases, and the pod's name
// for a pod's infra container) on every dns-enabled network in state to
// aardvark-dns. Throws Error{kUnavailable} when aardvark-dns fails to start.
void register_dns_names(Context& ctx, const state::ContainerRecord& record,
                        const ContainerConfig& config, const NetworkState& state);

// Adds the container's names on one network that it joined while running.
void register_dns_names(Context& ctx, const state::ContainerRecord& record,
                        const ContainerConfig& config, const ConnectedNetwork& request,
                        const NetworkEndpoint& endpoint);

// Removes the container's entries from the named networks. Networks without
// entries cost one stat each. Idempotent.
void unregister_dns_names(const std::string& id, const std::vector<std::string>& networks);

}  // namespace berth::container
