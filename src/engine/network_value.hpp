#pragma once

// The --network value of run and create with Podman's per-network options,
// "NAME:alias=A,alias=B,ip=ADDRESS,mac=ADDRESS". --network-alias, --ip and
// --mac-address, the libpod and compat create bodies and the remote client
// all travel in this one form.

#include <string>
#include <vector>

namespace berth::engine {

struct NetworkValue {
  std::string name;  // the mode or network name; "" for the default network
  std::vector<std::string> aliases;
  std::string ip;   // IPv4 address, or "" to let IPAM choose
  std::string mac;  // MAC address, or "" for a random one
};

// Splits value into the network and its options. Modes whose text after
// the colon is not a list of options (container:ID, ns:PATH, slirp4netns
// and pasta options) come back whole as the name. Throws Error{kInvalidArgument} for an unknown
// option, an invalid alias or an ip that is not an IPv4 address.
NetworkValue parse_network_value(const std::string& value);

// Appends option ("alias=A", "ip=ADDRESS" or "mac=ADDRESS") to network.
void append_network_option(std::string& network, const std::string& option);

}  // namespace berth::engine
