#pragma once

// Networks: the requests of `network create` and `network connect`.

#include <map>
#include <string>
#include <vector>

namespace berth::engine {

// The flags of `network create`. Empty strings take Podman's defaults: the
// bridge driver, the next free 10.89.N.0/24 subnet, its first address as
// the gateway and the next free bridge name berthN.
struct NetworkCreateRequest {
  std::string name;       // "" gives the next free name "berthN", as Podman's "podmanN"
  std::string driver;     // --driver; only "bridge" is supported
  std::string subnet;     // --subnet CIDR
  std::string gateway;    // --gateway IP, inside subnet
  std::string ip_range;   // --ip-range CIDR inside subnet: the addresses handed out
  std::string interface;  // --interface-name: the bridge name
  std::map<std::string, std::string> labels;   // --label KEY=VALUE
  std::map<std::string, std::string> options;  // --opt KEY=VALUE
  bool internal = false;                       // --internal: no route or masquerade to the outside
  bool disable_dns = false;                    // --disable-dns
  bool ignore = false;  // --ignore: return an existing network of that name unchanged
};

// The flags of `network connect`: attach a container to one more network.
// Empty strings let the network's address allocator choose.
struct NetworkConnectRequest {
  std::string network;               // name, ID or unique ID prefix
  std::string container;             // name, ID or unique ID prefix
  std::vector<std::string> aliases;  // --alias: more names in the network
  std::string ipv4;                  // --ip: static address inside the subnet
  std::string mac;                   // --mac-address
};

}  // namespace berth::engine
