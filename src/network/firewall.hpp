#pragma once

#include <string>
#include <vector>

#include "network/port_mapping.hpp"

namespace berth::network {

// The nftables table berth owns, `table inet <name>`. berth creates, changes
// and deletes only this table and never touches rules of other tools.
// NOTE: berth adds no forward-accept rules, so a firewall whose forward chain
// drops by default (as Docker's iptables setup does) also drops container
// traffic. An accept in berth's table cannot override a drop in another.
inline constexpr const char* kDefaultNftTable = "berth";

// The firewall rules of one container.
struct ContainerRules {
  std::string table = kDefaultNftTable;
  std::string container_id;  // letters, digits, '_' and '-' only
  std::string subnet;        // the network's IPv4 subnet in CIDR form
  bool masquerade = true;    // false for internal networks
  std::string container_ip;
  std::vector<PortMapping> ports;
};

// Returns the nftables script that sets up the table and one container.
// Layout of the table:
// - set `subnets`: the subnets whose traffic to other networks is masqueraded;
// - map `ports`: (protocol . host port) -> `jump ctr-<id>`, looked up in the
//   prerouting and output nat chains for packets to a local address;
// - chain `ctr-<id>`: the container's DNAT rules, matching the host IP too;
// - postrouting masquerades subnet traffic leaving to other networks, and
//   DNATed traffic from 127.0.0.0/8 or from a berth subnet (hairpin), so
//   replies come back through the host.
// The base chains are flushed and refilled each time, which keeps the
// script idempotent. Throws Error{kInvalidArgument} for a malformed ID,
// address or protocol, since they are pasted into the script.
std::string build_setup_ruleset(const ContainerRules& rules);

// Returns the script that removes the container's chain and its `ports`
// elements in one transaction. Each element is added before it is deleted,
// so the script also succeeds when they are already gone. It fails when
// another container owns one of the ports now, or when the table is missing.
std::string build_teardown_ruleset(const std::string& table, const std::string& container_id,
                                   const std::vector<PortMapping>& ports);

// Returns the name of the container's chain, "ctr-<id>".
std::string container_chain(const std::string& container_id);

// Applies build_setup_ruleset as one nftables transaction. Throws
// Error{kAlreadyExists} naming the port when another container already
// publishes one of the host ports, Error for other nftables failures.
// NOTE: the `ports` map is keyed by protocol and port only, so two
// containers cannot publish the same port even on different host IPs.
void add_container_rules(const ContainerRules& rules);

// Removes the container's chain and map elements as one transaction. It is
// idempotent: a missing table, chain or element is fine. When the fast
// script fails, the `ports` map is listed and exactly the elements that jump
// to this container's chain are deleted.
void remove_container_rules(const std::string& table, const std::string& container_id,
                            const std::vector<PortMapping>& ports);

// Removes subnet from the masquerade set (for network removal). Missing
// table or element is fine.
void remove_network_rules(const std::string& table, const std::string& subnet);

// Deletes the whole table; a missing table is fine. Meant for tests and for
// a full reset, never for per-container cleanup.
void delete_table(const std::string& table);

// Runs an nftables script as one transaction through libnftables and returns
// its output. Throws Error with nftables' error text on failure.
std::string run_nft(const std::string& script, bool json_output = false);

}  // namespace berth::network
