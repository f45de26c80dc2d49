#pragma once

#include <string>
#include <vector>

#include "network/firewall.hpp"
#include "network/network_config.hpp"
#include "network/port_mapping.hpp"

namespace berth::network {

// A container's place on one network, as setup made it.
struct Attachment {
  std::string network;    // network name, "podman"
  std::string interface;  // interface inside the container, "eth0"
  std::string ip;         // "10.88.0.2"
  int prefix_len = 0;     // 16
  std::string gateway;    // "10.88.0.1"
  // "aa:bb:cc:dd:ee:ff". connect sets it, and uses a value set before as the MAC.
  std::string mac;
  // The container's first network, which gets the default route and the
  // published ports. Other networks (network connect) get neither.
  bool primary = true;
};

// Native rootful bridge networking: IPAM, a bridge and veth pair through
// netlink, and masquerade plus port forwarding through one nftables
// transaction per change. Network definitions are netavark's JSON files in
// config_dir; per-host state (IPAM files, namespace mounts) lives in
// run_dir. Safe to use from many processes at once. Needs CAP_NET_ADMIN and
// CAP_SYS_ADMIN.
class NetworkManager {
 public:
  // config_dir is usually /var/lib/berth/networks, run_dir /run/berth.
  // nft_table names berth's nftables table; tests pass their own.
  explicit NetworkManager(std::string config_dir, std::string run_dir,
                          std::string nft_table = kDefaultNftTable);

  // Connects the container's namespace at netns_path to network_name:
  // allocates an address (static_ip when not empty), makes sure the bridge
  // is up, creates the veth pair with eth0 inside and adds the firewall
  // rules for masquerade and ports. Calling it again for the same container
  // returns the same address. On failure everything done so far is undone
  // and the Error is rethrown. Throws Error{kNotFound} for an unknown
  // network, Error{kInvalidArgument} for a driver other than bridge or a
  // network without an IPv4 subnet, Error{kAlreadyExists} when a host port is
  // taken by another container or static_ip by another container.
  Attachment setup(const std::string& container_id, const std::string& netns_path,
                   const std::string& network_name, const std::vector<PortMapping>& ports,
                   const std::string& static_ip = "");

  // The two halves of setup, for a caller that needs the address before the
  // links exist (to write /etc/hosts while the runtime is still starting).
  // allocate reserves the address and fills in everything but mac. connect
  // does the rest of setup and sets mac. On failure connect undoes
  // everything, the address included, and rethrows.
  Attachment allocate(const std::string& container_id, const std::string& network_name,
                      const std::string& static_ip = "");
  void connect(const std::string& container_id, const std::string& netns_path,
               const std::vector<PortMapping>& ports, Attachment& attachment);

  // Removes a network that is not the container's primary one: deletes its
  // veth pair when delete_veth_pair and releases its address. The firewall
  // rules stay, because they belong to the primary network. Idempotent.
  // Pass delete_veth_pair = false when the namespace is being removed
  // anyway, which takes the veth pair with it.
  void detach(const std::string& container_id, const std::string& network_name,
              bool delete_veth_pair = true);

  // Removes what setup added: the firewall rules, the veth pair and the
  // address. Idempotent: a second call, or a call after a setup that
  // crashed halfway, finishes without error. Each step runs even when an
  // earlier one failed; the first failure is rethrown at the end. The
  // bridge and the network's masquerade rule stay for other containers.
  void teardown(const std::string& container_id, const std::string& netns_path,
                const std::string& network_name, const std::vector<PortMapping>& ports);

  // Does what teardown does and then removes the namespace, but leaves the
  // veth pair to the kernel, which destroys it together with the namespace
  // in the background. A synchronous veth deletion waits for RCU grace
  // periods (about 15-25 ms measured on Linux 6.18), so this is the fast
  // path when the container is gone for good. Idempotent like teardown.
  // NOTE: if another process still has the namespace open, the pair lives
  // until that process closes it, although its address is already free.
  void teardown_and_remove_netns(const std::string& container_id, const std::string& netns_path,
                                 const std::string& network_name,
                                 const std::vector<PortMapping>& ports);

  // Creates `<run_dir>/netns/<container_id>`, owned by the user namespace
  // at owner_userns when that is not empty; see network::create_netns.
  std::string create_netns(const std::string& container_id,
                           const std::string& owner_userns = "");

  // Returns the path create_netns uses for container_id, whether or not it
  // exists: a start that was killed halfway is found and undone by it.
  std::string netns_path(const std::string& container_id) const;

  // Unmounts and deletes a namespace from create_netns; a missing one is fine.
  void remove_netns(const std::string& path);

  // Returns the network definition, built in for "podman" when it has no
  // file. Throws Error{kNotFound} for an unknown network.
  Network network(const std::string& network_name) const;

 private:
  // Runs the teardown steps; the veth is deleted only when delete_veth_pair.
  void remove_attachment(const std::string& container_id, const std::string& netns_path,
                         const std::string& network_name, const std::vector<PortMapping>& ports,
                         bool delete_veth_pair);

  std::string config_dir_;
  std::string run_dir_;
  std::string nft_table_;
};

}  // namespace berth::network
