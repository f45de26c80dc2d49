#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "network/ipv4.hpp"
#include "network/network_config.hpp"

namespace berth::network {

// The IPv4 allocations of one subnet, keyed by container ID. Pure data: the
// file-backed Ipam below loads, changes and stores it under a lock.
struct IpamState {
  std::map<std::string, std::string> allocations;  // container ID -> address
  std::string last;  // the address handed out last; the next search starts after it

  std::string to_json() const;
  // Throws Error{kInvalidArgument} naming source when text is not valid.
  static IpamState from_json(std::string_view text, std::string_view source);
};

// The addresses IPAM may hand out in a subnet: every host address except
// the network and broadcast addresses and the gateway, narrowed to the lease
// range when one is set.
struct AddressPool {
  Ipv4Subnet subnet;
  std::optional<std::uint32_t> gateway;
  std::uint32_t first = 0;  // lowest address that may be handed out
  std::uint32_t last = 0;   // highest address that may be handed out

  // Throws Error{kInvalidArgument} when the subnet, gateway or lease range
  // is invalid.
  static AddressPool from_subnet(const Subnet& subnet);
  bool may_hand_out(std::uint32_t address) const;
};

// Returns the address of container_id in state, allocating one when it has
// none. An empty `requested` picks the next free address after state.last
// (wrapping around), as CNI's host-local plugin does. A requested address
// must be a free host address of the subnet other than the gateway; the
// lease range does not bound it. Throws Error{kInvalidArgument} for any
// other requested address, Error{kAlreadyExists} when it belongs to
// another container, Error{kConflict} when the container already has a
// different address or the pool is exhausted.
std::string allocate_address(IpamState& state, const AddressPool& pool,
                             const std::string& container_id, const std::string& requested);

// Allocations of one network, persisted at `<run_dir>/networks/<name>-ipam.json`
// and changed only under the lock file beside it, so that parallel berth
// processes get distinct addresses.
class Ipam {
 public:
  // Uses the network's first subnet. Throws Error{kInvalidArgument} when the
  // network has no subnet.
  Ipam(std::string run_dir, const Network& network);

  // Allocates (or returns the existing) address of container_id; see
  // allocate_address for `requested` and the errors.
  std::string allocate(const std::string& container_id, const std::string& requested = "");

  // Frees the address of container_id. A container with no address is fine.
  void release(const std::string& container_id);

  // Returns the address of container_id, or nullopt when it has none.
  std::optional<std::string> lookup(const std::string& container_id) const;

  const AddressPool& pool() const { return pool_; }

 private:
  IpamState load() const;
  void store(const IpamState& state) const;

  std::string run_dir_;
  std::string network_name_;
  std::string state_path_;
  std::string lock_path_;
  AddressPool pool_;
};

// Frees the address of container_id on network_name without needing the
// network definition (it may have been deleted). Missing state is fine.
void release_address(const std::string& run_dir, const std::string& network_name,
                     const std::string& container_id);

// Returns `<run_dir>/networks/<network_name>-ipam.json`.
std::string ipam_state_path(const std::string& run_dir, const std::string& network_name);

}  // namespace berth::network
