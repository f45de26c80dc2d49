// Network administration of LocalEngine: network create, rm and prune.
// Definitions are netavark's JSON files in ROOT/networks. The bridge, the
// firewall rules and the address allocations of a network belong to the
// whole host (see container::kHostNetworkRunDir).

#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <set>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/context.hpp"
#include "container/operations.hpp"
#include "engine/list_filters.hpp"
#include "engine/local_engine.hpp"
#include "events/events.hpp"
#include "network/bridge.hpp"
#include "network/firewall.hpp"
#include "network/ip_range.hpp"
#include "network/ipam.hpp"
#include "network/ipv4.hpp"

namespace berth::engine {

// Engines without network administration (a remote engine that does not
// implement it yet) report it as unavailable.
network::Network Engine::network_create(const NetworkCreateRequest&) {
  fail(ErrorCode::kUnavailable, "network create is not supported by this engine");
}

void Engine::network_remove(const std::string&, bool, std::optional<int>) {
  fail(ErrorCode::kUnavailable, "network rm is not supported by this engine");
}

std::vector<std::string> Engine::network_prune(const std::vector<std::string>&) {
  fail(ErrorCode::kUnavailable, "network prune is not supported by this engine");
}

namespace {

using network::Ipv4Subnet;

// Podman's default pool for new networks: 10.89.0.0/24, then the next /24
// up to 10.255.255.0/24.
constexpr std::uint32_t kFirstAutoSubnet = (10u << 24) | (89u << 16);
constexpr std::uint32_t kLastAutoSubnet = (10u << 24) | (255u << 16) | (255u << 8);
constexpr int kAutoPrefixLen = 24;

// The bridge option keys Podman 5 accepts for the bridge driver.
// NOTE: berth stores these options but its bridge setup does not apply
// them yet (the MTU and VLAN stay the kernel's defaults).
const std::set<std::string> kBridgeOptions = {
    "mtu", "vlan", "isolate", "metric", "vrf", "mode", "com.docker.network.bridge.name"};

bool overlaps(const Ipv4Subnet& a, const Ipv4Subnet& b) {
  return a.contains(b.network) || b.contains(a.network);
}

// The IPv4 subnets of this host's interfaces, so that a new network does
// not shadow a route the host already has.
std::vector<Ipv4Subnet> host_subnets() {
  std::vector<Ipv4Subnet> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) fail_errno(errno, "listing the host's interface addresses");
  std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> owner(list, ::freeifaddrs);
  for (ifaddrs* entry = list; entry; entry = entry->ifa_next) {
    if (!entry->ifa_addr || !entry->ifa_netmask || entry->ifa_addr->sa_family != AF_INET) {
      continue;
    }
    std::uint32_t address =
        ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr.s_addr);
    std::uint32_t mask =
        ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask)->sin_addr.s_addr);
    Ipv4Subnet subnet;
    subnet.prefix_len = __builtin_popcount(mask);
    subnet.network = address & mask;
    // Loopback (127.0.0.0/8) never collides with a bridge subnet.
    if ((address >> 24) != 127) out.push_back(subnet);
  }
  return out;
}

// The IPv4 subnets of networks and of the host's interfaces.
std::vector<Ipv4Subnet> used_subnets(const std::vector<network::Network>& networks) {
  std::vector<Ipv4Subnet> used = host_subnets();
  for (const auto& net : networks) {
    for (const auto& subnet : net.subnets) {
      if (network::try_parse_ipv4(subnet.subnet.substr(0, subnet.subnet.find('/')))) {
        used.push_back(Ipv4Subnet::parse(subnet.subnet));
      }
    }
  }
  return used;
}

Ipv4Subnet free_subnet(const std::vector<Ipv4Subnet>& used) {
  for (std::uint32_t base = kFirstAutoSubnet; base <= kLastAutoSubnet; base += 256) {
    Ipv4Subnet candidate{base, kAutoPrefixLen};
    bool in_use = false;
    for (const auto& subnet : used) in_use = in_use || overlaps(candidate, subnet);
    if (!in_use) return candidate;
  }
  fail(ErrorCode::kConflict,
       "could not find a free subnet between 10.89.0.0/24 and 10.255.255.0/24: give one with "
       "--subnet");
}

// The next bridge name "berthN" (N from 1) that no network uses and no link
// on the host has. "podmanN" is left to Podman.
std::string free_bridge_name(const std::vector<network::Network>& networks) {
  for (int n = 1;; ++n) {
    std::string name = "berth" + std::to_string(n);
    bool in_use = network::link_exists(name);
    for (const auto& net : networks) in_use = in_use || net.network_interface == name;
    if (!in_use) return name;
  }
}

// The subnet of the request, checked against the networks and the host.
network::Subnet requested_subnet(const NetworkCreateRequest& request,
                                 const std::vector<network::Network>& networks) {
  if (request.subnet.empty()) {
    if (!request.gateway.empty() || !request.ip_range.empty()) {
      fail(ErrorCode::kInvalidArgument, "cannot set gateway or range without subnet: add --subnet");
    }
    Ipv4Subnet cidr = free_subnet(used_subnets(networks));
    return {cidr.str(), network::format_ipv4(cidr.network + 1), std::nullopt};
  }
  if (request.subnet.find(':') != std::string::npos) {
    fail(ErrorCode::kInvalidArgument, "invalid subnet \"{}\": only IPv4 subnets are supported",
         request.subnet);
  }
  Ipv4Subnet cidr = Ipv4Subnet::parse(request.subnet);
  if (cidr.prefix_len > 30) {
    fail(ErrorCode::kInvalidArgument,
         "invalid subnet \"{}\": it needs room for a gateway and a container (/30 or larger)",
         request.subnet);
  }
  for (const auto& used : used_subnets(networks)) {
    if (overlaps(cidr, used)) {
      fail(ErrorCode::kConflict,
           "subnet {} is already used on the host or by another config: pick another --subnet",
           cidr.str());
    }
  }
  network::Subnet subnet{cidr.str(), network::format_ipv4(cidr.network + 1), std::nullopt};
  if (!request.gateway.empty()) {
    std::uint32_t gateway = network::parse_ipv4(request.gateway);
    if (!cidr.contains(gateway) || gateway == cidr.network || gateway == cidr.broadcast()) {
      fail(ErrorCode::kInvalidArgument, "gateway {} not in subnet {}: give a host address of it",
           request.gateway, cidr.str());
    }
    subnet.gateway = network::format_ipv4(gateway);
  }
  if (!request.ip_range.empty()) {
    bool cidr_form = request.ip_range.find('-') == std::string::npos;
    if (cidr_form) {
      Ipv4Subnet range = Ipv4Subnet::parse(request.ip_range);
      if (!cidr.contains(range.network) || range.prefix_len < cidr.prefix_len) {
        fail(ErrorCode::kInvalidArgument, "ip range {} not in subnet {}: give a range inside it",
             range.str(), cidr.str());
      }
    }
    network::LeaseRange range = network::lease_range_of(request.ip_range);
    if (!cidr_form && (!cidr.contains(network::parse_ipv4(range.start_ip)) ||
                       !cidr.contains(network::parse_ipv4(range.end_ip)))) {
      fail(ErrorCode::kInvalidArgument, "ip range {} not in subnet {}: give a range inside it",
           request.ip_range, cidr.str());
    }
    subnet.lease_range = range;
  }
  return subnet;
}

void check_options(const std::map<std::string, std::string>& options) {
  for (const auto& [key, value] : options) {
    if (!kBridgeOptions.contains(key)) {
      fail(ErrorCode::kInvalidArgument,
           "unsupported bridge network option {}: use mtu, vlan, isolate or metric", key);
    }
    if ((key == "mtu" || key == "vlan" || key == "metric") &&
        value.find_first_not_of("0123456789") != std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "invalid network option {}=\"{}\": expected a number", key,
           value);
    }
  }
}

void write_network_event(state::Database& db, std::string_view status,
                         const network::Network& net) {
  state::EventRecord event;
  event.type = "network";
  event.status = status;
  event.name = net.name;
  event.object_id = net.id;
  events::write(db, std::move(event));
}

// The records of the containers that join network_name.
std::vector<state::ContainerRecord> containers_on(container::Context& ctx,
                                                  const std::string& network_name) {
  std::vector<state::ContainerRecord> users;
  for (auto& record : ctx.db().list_containers()) {
    auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
    auto names = config.bridge_networks();  // the first network and connected ones
    if (std::find(names.begin(), names.end(), network_name) != names.end()) {
      users.push_back(std::move(record));
    }
  }
  return users;
}

// Deletes the definition file, the bridge, the masquerade entry and the
// address allocations of net. The file goes first, so a failure later
// leaves no network behind, only host objects that a new network with the
// same bridge name or subnet reuses or replaces.
void delete_network(container::Context& ctx, const network::Network& net) {
  std::string path = ctx.paths().networks() + "/" + net.name + ".json";
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    fail_errno(errno, "removing network file \"" + path + "\"");
  }
  try {
    if (!net.network_interface.empty()) network::delete_link(net.network_interface);
    for (const auto& subnet : net.subnets) {
      if (network::try_parse_ipv4(subnet.subnet.substr(0, subnet.subnet.find('/')))) {
        network::remove_network_rules(network::kDefaultNftTable, subnet.subnet);
      }
    }
    // The allocation file and the lock beside it, "<name>-ipam.lock".
    std::string ipam = network::ipam_state_path(container::kHostNetworkRunDir, net.name);
    ::unlink(ipam.c_str());
    std::string lock = ipam.substr(0, ipam.size() - std::string_view(".json").size()) + ".lock";
    ::unlink(lock.c_str());
  } catch (const Error& e) {
    // The definition is gone, so the network is removed. What is left on
    // the host does not stop a later network from working.
    spdlog::warn("removing network {}: cleaning up the host: {}", net.name, e.what());
  }
}

}  // namespace

network::Network LocalEngine::network_create(const NetworkCreateRequest& request) {
  auto networks = network::list_networks(ctx_.paths().networks());
  if (!request.driver.empty() && request.driver != "bridge") {
    fail(ErrorCode::kInvalidArgument, "unsupported driver {}: only bridge is supported",
         request.driver);
  }
  std::string bridge = request.interface;
  if (bridge.empty()) bridge = free_bridge_name(networks);
  std::string name = request.name.empty() ? bridge : request.name;
  if (!network::is_valid_network_name(name)) {
    fail(ErrorCode::kInvalidArgument,
         "network name {} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
  }
  for (const auto& net : networks) {
    if (net.name != name) continue;
    if (request.ignore) return net;
    fail(ErrorCode::kAlreadyExists, "network name {} already used: network already exists", name);
  }
  if (bridge.size() > 15) {
    fail(ErrorCode::kInvalidArgument,
         "invalid interface name \"{}\": at most 15 characters are allowed", bridge);
  }
  for (const auto& net : networks) {
    if (net.network_interface == bridge) {
      fail(ErrorCode::kConflict, "bridge name {} already in use by network {}", bridge, net.name);
    }
  }
  check_options(request.options);

  network::Network net;
  net.name = name;
  net.id = random_id();
  net.driver = "bridge";
  net.network_interface = bridge;
  net.created = format_rfc3339_nano(now_ns());
  net.subnets = {requested_subnet(request, networks)};
  net.internal = request.internal;
  // NOTE: berth does not run aardvark-dns yet, so container names do not
  // resolve on a network with DNS enabled; the flag is kept for Podman.
  net.dns_enabled = !request.disable_dns;
  net.labels = request.labels;
  net.options = request.options;
  network::store_network(ctx_.paths().networks(), net);
  write_network_event(ctx_.db(), "create", net);
  return net;
}

void LocalEngine::network_remove(const std::string& name_or_id, bool force,
                                 std::optional<int> timeout) {
  network::Network net = inspect_network(name_or_id);
  if (net.name == network::kDefaultNetworkName) {
    fail(ErrorCode::kInvalidArgument, "default network {} cannot be removed", net.name);
  }
  auto users = containers_on(ctx_, net.name);
  if (!users.empty() && !force) {
    fail(ErrorCode::kConflict,
         "\"{}\" has associated containers with it. Use -f to forcibly delete containers and "
         "pods: network is being used",
         net.name);
  }
  // With force, as Podman: the containers on the network go first.
  for (auto& record : users) {
    if (timeout && record.status == "running") container::stop(ctx_, record, timeout);
    container::remove(ctx_, record, true);
  }
  delete_network(ctx_, net);
  write_network_event(ctx_.db(), "remove", net);
}

std::vector<std::string> LocalEngine::network_prune(const std::vector<std::string>& filters) {
  auto groups = group_filters(filters, {"label", "label!", "until"}, "network");
  std::vector<std::string> removed;
  for (const auto& net : network::list_networks(ctx_.paths().networks())) {
    if (net.name == network::kDefaultNetworkName) continue;
    nlohmann::json labels = net.labels;
    bool keep = filters_match(groups, [&](const std::string& key, const std::string& value) {
      if (key == "label") return filter_labels_match(labels, value);
      if (key == "until") return parse_rfc3339(net.created) < parse_time_or_duration(value);
      return !filter_labels_match(labels, value);
    });
    if (!keep || !containers_on(ctx_, net.name).empty()) continue;
    delete_network(ctx_, net);
    write_network_event(ctx_.db(), "remove", net);
    removed.push_back(net.name);
  }
  return removed;
}

}  // namespace berth::engine
