#pragma once

#include <string>

namespace berth::network {

// Makes sure bridge `name` exists, is up and has gateway/prefix_len as an
// address, creating what is missing. Safe to run from several processes at
// once: an object another process created first (EEXIST) counts as done.
// Also sets net.ipv4.ip_forward=1 and route_localnet=1 on the bridge, which
// DNAT of 127.0.0.1 to a container needs. Throws Error{kConflict} when a
// link with that name exists and is not a bridge, Error on netlink failures.
void ensure_bridge(const std::string& name, const std::string& gateway, int prefix_len);

// The wiring of one container to a bridge through a veth pair.
struct VethRequest {
  std::string host_name;      // host end, at most 15 characters
  std::string bridge;         // bridge the host end joins
  std::string netns_path;     // container network namespace (bind mount path)
  std::string container_name = "eth0";  // container end, inside the namespace
  std::string address;        // IPv4 address of the container end
  int prefix_len = 0;
  std::string gateway;        // default route via this address; empty for none
  std::string mac;            // MAC of the container end, or "" for a random one
};

// Creates the veth pair with the container end directly in the namespace,
// gives it the address, brings both ends up, adds the default route inside
// the namespace and attaches the host end to the bridge. A stale host end of
// the same name (left by a crash) is deleted first. Returns the MAC address
// of the container end ("aa:bb:cc:dd:ee:ff"). Throws Error on failure; the
// pair is deleted again when configuring it fails.
std::string create_veth(const VethRequest& request);

// Deletes the veth whose host end is host_name; its peer goes with it. A
// missing link is not an error.
void delete_veth(const std::string& host_name);

// Deletes the link called name (any type); a missing link is not an error.
void delete_link(const std::string& name);

// True when a link named name exists in this network namespace.
bool link_exists(const std::string& name);

// Returns the host-end veth name berth uses for a container on a network:
// "veth" and 11 hex digits of a hash of both, unique enough and at most 15
// characters (IFNAMSIZ - 1).
std::string veth_name(const std::string& network_name, const std::string& container_id);

}  // namespace berth::network
