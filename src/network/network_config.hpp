#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::network {

// The name, ID, subnet and bridge of the built-in default network, the same
// values Podman 5 uses, so containers of both tools see the same network.
inline constexpr std::string_view kDefaultNetworkName = "podman";
inline constexpr std::string_view kDefaultNetworkId =
    "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9";
inline constexpr std::string_view kDefaultSubnet = "10.88.0.0/16";
inline constexpr std::string_view kDefaultGateway = "10.88.0.1";
inline constexpr std::string_view kDefaultBridge = "podman0";

// A range of addresses inside a subnet that IPAM may hand out.
struct LeaseRange {
  std::string start_ip;  // empty when open at the start
  std::string end_ip;    // empty when open at the end
  bool operator==(const LeaseRange&) const = default;
};

// One subnet of a network, as netavark writes it.
struct Subnet {
  std::string subnet;   // CIDR, "10.88.0.0/16"
  std::string gateway;  // "10.88.0.1"; empty when the network has none
  std::optional<LeaseRange> lease_range;
  bool operator==(const Subnet&) const = default;
};

// A network definition in netavark's JSON format (the files Podman keeps in
// /etc/containers/networks). Fields berth does not use are kept in `extra`
// so that loading and storing a file written by Podman loses nothing.
struct Network {
  std::string name;
  std::string id;      // 64 hex digits
  std::string driver = "bridge";
  std::string network_interface;  // the bridge name, "podman0"
  std::string created;            // RFC 3339 with nanoseconds
  std::vector<Subnet> subnets;
  bool ipv6_enabled = false;
  bool internal = false;  // no masquerade and no default route to the outside
  bool dns_enabled = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;
  std::map<std::string, std::string> ipam_options = {{"driver", "host-local"}};
  nlohmann::json extra = nlohmann::json::object();  // unknown top-level keys

  bool operator==(const Network&) const = default;
};

// Serializes in netavark's key order; empty labels and options are left out
// as netavark does.
std::string network_to_json(const Network& network);

// Parses netavark's JSON. `source` names the file in error messages. Throws
// Error{kInvalidArgument} when the text is not JSON, a required key is
// missing, the name or ID is malformed, or a subnet or gateway is invalid.
Network network_from_json(std::string_view text, std::string_view source);

// Returns the built-in default network "podman" (10.88.0.0/16 on podman0,
// DNS off) with `created` set to now.
Network default_network();

// Loads `<config_dir>/<name>.json`. The default network is returned from
// default_network() when its file does not exist. Returns nullopt when no
// such network exists. Throws Error for an invalid name or file.
std::optional<Network> load_network(const std::string& config_dir, const std::string& name);

// Writes `<config_dir>/<name>.json` atomically, creating config_dir. Throws
// Error{kInvalidArgument} for an invalid name or ID.
void store_network(const std::string& config_dir, const Network& network);

// Returns every network in config_dir sorted by name, with the default
// network added when it has no file. Files that do not parse are skipped
// with a warning.
std::vector<Network> list_networks(const std::string& config_dir);

// True when name is a valid network name: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
bool is_valid_network_name(std::string_view name);

}  // namespace berth::network
