#include "network/network_manager.hpp"

#include <exception>
#include <optional>

#include "common/error.hpp"
#include "common/log.hpp"
#include "network/bridge.hpp"
#include "network/ipam.hpp"
#include "network/ipv4.hpp"
#include "network/netns.hpp"

namespace berth::network {
namespace {

constexpr const char* kContainerInterface = "eth0";

// Runs one teardown step and keeps the first failure for later, so that one
// failing step does not leave the others undone.
template <typename Step>
void run_step(std::exception_ptr& first_failure, std::string_view what, Step&& step) {
  try {
    step();
  } catch (const Error& e) {
    spdlog::debug("network teardown: {}: {}", what, e.what());
    if (!first_failure) first_failure = std::make_exception_ptr(e.with_context(what));
  }
}

// NOTE: only the first IPv4 subnet is used. IPv6 subnets are skipped, so a
// dual-stack network gives its containers IPv4 only.
const Subnet* first_ipv4_subnet(const Network& network) {
  for (const Subnet& subnet : network.subnets) {
    if (try_parse_ipv4(subnet.subnet.substr(0, subnet.subnet.find('/')))) return &subnet;
  }
  fail(ErrorCode::kInvalidArgument, "the network has no IPv4 subnet");
}

}  // namespace

NetworkManager::NetworkManager(std::string config_dir, std::string run_dir, std::string nft_table)
    : config_dir_(std::move(config_dir)),
      run_dir_(std::move(run_dir)),
      nft_table_(std::move(nft_table)) {}

Network NetworkManager::network(const std::string& network_name) const {
  std::optional<Network> found = load_network(config_dir_, network_name);
  if (!found) {
    fail(ErrorCode::kNotFound, "network \"{}\" not found: create it or use \"{}\"", network_name,
         kDefaultNetworkName);
  }
  return *found;
}

namespace {

// The network and its first IPv4 subnet, checked for what berth supports.
struct BridgeNetwork {
  Network net;
  Subnet subnet;
  Ipv4Subnet cidr;
};

BridgeNetwork bridge_network(Network net) {
  if (net.driver != "bridge") {
    fail(ErrorCode::kInvalidArgument, "driver \"{}\" is not supported, only bridge", net.driver);
  }
  if (net.network_interface.empty()) {
    fail(ErrorCode::kInvalidArgument, "the network has no network_interface (bridge name)");
  }
  Subnet subnet = *first_ipv4_subnet(net);
  Ipv4Subnet cidr = Ipv4Subnet::parse(subnet.subnet);
  return {std::move(net), std::move(subnet), cidr};
}

}  // namespace

Attachment NetworkManager::setup(const std::string& container_id, const std::string& netns_path,
                                 const std::string& network_name,
                                 const std::vector<PortMapping>& ports,
                                 const std::string& static_ip) {
  Attachment attachment = allocate(container_id, network_name, static_ip);
  connect(container_id, netns_path, ports, attachment);
  return attachment;
}

Attachment NetworkManager::allocate(const std::string& container_id,
                                    const std::string& network_name,
                                    const std::string& static_ip) {
  return with_context("setting up network \"" + network_name + "\"", [&] {
    BridgeNetwork bridge = bridge_network(network(network_name));
    Network ipam_view = bridge.net;
    ipam_view.subnets = {bridge.subnet};
    Ipam ipam(run_dir_, ipam_view);
    Attachment attachment;
    attachment.network = bridge.net.name;
    attachment.interface = kContainerInterface;
    attachment.prefix_len = bridge.cidr.prefix_len;
    attachment.gateway = bridge.subnet.gateway;
    attachment.ip = ipam.allocate(container_id, static_ip);
    return attachment;
  });
}

void NetworkManager::connect(const std::string& container_id, const std::string& netns_path,
                             const std::vector<PortMapping>& ports, Attachment& attachment) {
  with_context("setting up network \"" + attachment.network + "\"", [&] {
    try {
      BridgeNetwork bridge = bridge_network(network(attachment.network));
      const Network& net = bridge.net;
      ensure_bridge(net.network_interface, bridge.subnet.gateway, bridge.cidr.prefix_len);

      VethRequest veth;
      veth.host_name = veth_name(net.name, container_id);
      veth.bridge = net.network_interface;
      veth.netns_path = netns_path;
      veth.container_name = attachment.interface;
      veth.address = attachment.ip;
      veth.prefix_len = bridge.cidr.prefix_len;
      veth.mac = attachment.mac;
      // An internal network gets no default route, so its containers reach
      // only their own subnet. Only the primary network sets the route.
      if (!net.internal && attachment.primary) veth.gateway = bridge.subnet.gateway;
      attachment.mac = create_veth(veth);

      ContainerRules rules;
      rules.table = nft_table_;
      rules.container_id = container_id;
      rules.subnet = bridge.cidr.str();
      rules.masquerade = !net.internal;
      rules.container_ip = attachment.ip;
      // Ports are not published from internal networks, because nothing is
      // forwarded into or out of them.
      if (!net.internal && attachment.primary) rules.ports = ports;
      add_container_rules(rules);
    } catch (const Error&) {
      try {
        if (attachment.primary) {
          teardown(container_id, netns_path, attachment.network, ports);
        } else {
          detach(container_id, attachment.network);
        }
      } catch (const Error& cleanup) {
        spdlog::debug("undoing a failed network setup of {}: {}", container_id, cleanup.what());
      }
      throw;
    }
    spdlog::debug("container {} on network {}: {}/{} via {}", container_id, attachment.network,
                  attachment.ip, attachment.prefix_len, attachment.gateway);
  });
}

void NetworkManager::teardown(const std::string& container_id, const std::string& netns_path,
                              const std::string& network_name,
                              const std::vector<PortMapping>& ports) {
  remove_attachment(container_id, netns_path, network_name, ports, true);
}

void NetworkManager::detach(const std::string& container_id, const std::string& network_name,
                            bool delete_veth_pair) {
  std::exception_ptr first_failure;
  if (delete_veth_pair) {
    run_step(first_failure, "deleting the veth pair",
             [&] { delete_veth(veth_name(network_name, container_id)); });
  }
  run_step(first_failure, "releasing the address",
           [&] { release_address(run_dir_, network_name, container_id); });
  if (first_failure) {
    try {
      std::rethrow_exception(first_failure);
    } catch (const Error& e) {
      throw e.with_context("disconnecting container " + container_id + " from network \"" +
                           network_name + "\"");
    }
  }
}

void NetworkManager::teardown_and_remove_netns(const std::string& container_id,
                                               const std::string& netns_path,
                                               const std::string& network_name,
                                               const std::vector<PortMapping>& ports) {
  remove_attachment(container_id, netns_path, network_name, ports, false);
}

void NetworkManager::remove_attachment(const std::string& container_id,
                                       const std::string& netns_path,
                                       const std::string& network_name,
                                       const std::vector<PortMapping>& ports,
                                       bool delete_veth_pair) {
  std::exception_ptr first_failure;
  run_step(first_failure, "removing firewall rules",
           [&] { remove_container_rules(nft_table_, container_id, ports); });
  if (delete_veth_pair) {
    // Deleting the host end by name also covers a namespace that is gone.
    run_step(first_failure, "deleting the veth pair",
             [&] { delete_veth(veth_name(network_name, container_id)); });
  } else {
    // The last reference to the namespace goes with its bind mount, and
    // the kernel then unregisters its links, the veth pair included.
    run_step(first_failure, "removing the network namespace",
             [&] { network::remove_netns(netns_path); });
  }
  run_step(first_failure, "releasing the address",
           [&] { release_address(run_dir_, network_name, container_id); });
  if (first_failure) {
    try {
      std::rethrow_exception(first_failure);
    } catch (const Error& e) {
      throw e.with_context("tearing down network \"" + network_name + "\" of container " +
                           container_id);
    }
  }
}

std::string NetworkManager::create_netns(const std::string& container_id,
                                         const std::string& owner_userns) {
  return network::create_netns(run_dir_, container_id, owner_userns);
}

std::string NetworkManager::netns_path(const std::string& container_id) const {
  return run_dir_ + "/netns/" + container_id;
}

void NetworkManager::remove_netns(const std::string& path) { network::remove_netns(path); }

}  // namespace berth::network
