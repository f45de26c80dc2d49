#include "container/network_join.hpp"

#include <fcntl.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/network_dns.hpp"
#include "container/operations.hpp"
#include "network/ipv4.hpp"
#include "network/network_manager.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::container {
namespace {

ContainerConfig parse_config(const state::ContainerRecord& record) {
  return nlohmann::json::parse(record.config).get<ContainerConfig>();
}

NetworkState parse_network_state(const state::ContainerRecord& record) {
  if (record.network.empty()) return {};
  return nlohmann::json::parse(record.network).get<NetworkState>();
}

// Podman's message for a container whose network mode has no networks to
// connect or disconnect.
void require_bridge_mode(const ContainerConfig& config) {
  if (config.network_mode == "bridge") return;
  fail(ErrorCode::kInvalidArgument, "\"{}\" is not supported: invalid network mode",
       config.network_mode);
}

bool is_valid_mac(const std::string& mac) {
  static const std::regex kMac("([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}");
  return std::regex_match(mac, kMac);
}

// Returns "ethN" for the lowest N that no interface of state uses.
std::string next_interface(const NetworkState& state) {
  std::set<std::string> used = {state.interface.empty() ? "eth0" : state.interface};
  for (const auto& endpoint : state.connected) used.insert(endpoint.interface);
  for (int index = 1;; ++index) {
    std::string name = "eth" + std::to_string(index);
    if (!used.contains(name)) return name;
  }
}

std::string container_hostname(const state::ContainerRecord& record,
                               const ContainerConfig& config) {
  return config.hostname.empty() ? record.id.substr(0, 12) : config.hostname;
}

// Rewrites the file in place: /etc/hosts is a bind mount of this file, so
// a rename would leave the container reading the old one.
void rewrite_in_place(const std::string& path, const std::string& text) {
  os::Fd fd = os::open_file(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  os::write_all(fd.get(), text);
}

// Adds "ip<TAB>hostname name" to the container's hosts file, as Podman
// does for every network the container joins.
void add_hosts_entry(Context& ctx, const state::ContainerRecord& record,
                     const ContainerConfig& config, const std::string& ip) {
  std::string path = ctx.paths().bundle_dir(record.id) + "/hosts";
  std::string text = os::read_file_if_exists(path).value_or("");
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += ip + "\t" + container_hostname(record, config) + " " + record.name + "\n";
  rewrite_in_place(path, text);
}

// Drops the container's own line for ip from its hosts file.
void remove_hosts_entry(Context& ctx, const state::ContainerRecord& record,
                        const ContainerConfig& config, const std::string& ip) {
  std::string path = ctx.paths().bundle_dir(record.id) + "/hosts";
  auto text = os::read_file_if_exists(path);
  if (!text) return;
  std::string own = ip + "\t" + container_hostname(record, config) + " " + record.name;
  std::istringstream in(*text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line != own) out += line + "\n";
  }
  rewrite_in_place(path, out);
}

void store(Context& ctx, state::ContainerRecord& record, const ContainerConfig& config) {
  record.config = nlohmann::json(config).dump();
  ctx.db().update_container(record);
}

// Adds the interface of request to a running container and records it.
void join_running(Context& ctx, state::ContainerRecord& record, ContainerConfig& config,
                  const ConnectedNetwork& request) {
  NetworkState state = parse_network_state(record);
  if (state.netns.empty()) {
    fail(ErrorCode::kInternal, "container {} runs without a network namespace", record.name);
  }
  auto& manager = ctx.network();
  network::Attachment attachment = manager.allocate(record.id, request.name, request.static_ip);
  attachment.interface = next_interface(state);
  attachment.primary = false;
  attachment.mac = request.static_mac;
  manager.connect(record.id, state.netns, {}, attachment);
  try {
    state.connected.push_back({attachment.network, attachment.interface, attachment.ip,
                               attachment.prefix_len, attachment.gateway, attachment.mac});
    register_dns_names(ctx, record, config, request, state.connected.back());
    config.connected_networks.push_back(request);
    record.network = nlohmann::json(state).dump();
    store(ctx, record, config);
  } catch (const Error&) {
    unregister_dns_names(record.id, {attachment.network});
    manager.detach(record.id, attachment.network);
    throw;
  }
  try {
    add_hosts_entry(ctx, record, config, attachment.ip);
  } catch (const Error& e) {
    // The network works without the line, so the connect still succeeds.
    spdlog::warn("adding {} to /etc/hosts of container {}: {}", attachment.ip, record.id,
                 e.what());
  }
}

// Disconnecting the first network is supported only for a stopped container
// that has other networks: the next one becomes the first.
void leave_primary(Context& ctx, state::ContainerRecord& record, ContainerConfig& config,
                   const std::string& network_name) {
  // NOTE: Podman also disconnects the first network of a running container
  // and the only network of a container. berth rejects both for now.
  if (config.connected_networks.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "disconnecting container {} from its only network {} is not supported: remove the "
         "container or connect it to another network first",
         record.name, network_name);
  }
  if (has_process(record.status)) {
    fail(ErrorCode::kInvalidArgument,
         "disconnecting running container {} from its first network {} is not supported: stop "
         "the container first",
         record.name, network_name);
  }
  // The next network keeps its aliases, --ip and --mac-address as the
  // first network's.
  set_primary_network_request(config, config.connected_networks.front());
  config.connected_networks.erase(config.connected_networks.begin());
  store(ctx, record, config);
}

// Deletes the interface, address and /etc/hosts line of network_name from a
// running container whose config no longer lists the network, and stores both.
void leave_running(Context& ctx, state::ContainerRecord& record, const ContainerConfig& config,
                   const std::string& network_name) {
  NetworkState state = parse_network_state(record);
  std::string ip;
  auto& endpoints = state.connected;
  auto endpoint = std::find_if(endpoints.begin(), endpoints.end(),
                               [&](const NetworkEndpoint& e) { return e.network == network_name; });
  if (endpoint != endpoints.end()) {
    ip = endpoint->ip;
    endpoints.erase(endpoint);
  }
  unregister_dns_names(record.id, {network_name});
  ctx.network().detach(record.id, network_name);
  record.network = nlohmann::json(state).dump();
  store(ctx, record, config);
  if (ip.empty()) return;
  try {
    remove_hosts_entry(ctx, record, config, ip);
  } catch (const Error& e) {
    spdlog::warn("removing {} from /etc/hosts of container {}: {}", ip, record.id, e.what());
  }
}

}  // namespace

void check_network_request(Context& ctx, const ConnectedNetwork& request) {
  static const std::regex kAlias("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  for (const auto& alias : request.aliases) {
    if (!std::regex_match(alias, kAlias)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid alias \"{}\": use letters, digits, '_', '.' and '-', starting with a letter "
           "or digit",
           alias);
    }
  }
  if (!request.static_mac.empty() && !is_valid_mac(request.static_mac)) {
    fail(ErrorCode::kInvalidArgument, "address {}: invalid MAC address", request.static_mac);
  }
  // The kernel refuses these for an interface only at start, with a
  // netlink error that names neither the flag nor the value.
  if (!request.static_mac.empty()) {
    unsigned first_octet = std::stoul(request.static_mac.substr(0, 2), nullptr, 16);
    if (first_octet & 1) {
      fail(ErrorCode::kInvalidArgument,
           "address {}: invalid MAC address: it is a multicast address; use one whose first "
           "byte is even, such as 92:d0:c6:0a:29:33",
           request.static_mac);
    }
    if (request.static_mac == "00:00:00:00:00:00") {
      fail(ErrorCode::kInvalidArgument,
           "address {}: invalid MAC address: it is all zeros; use an address such as "
           "92:d0:c6:0a:29:33",
           request.static_mac);
    }
  }
  if (request.static_ip.empty()) return;
  std::uint32_t address = network::parse_ipv4(request.static_ip);
  for (const auto& subnet : ctx.network().network(request.name).subnets) {
    auto slash = subnet.subnet.find('/');
    if (!network::try_parse_ipv4(subnet.subnet.substr(0, slash))) continue;
    if (network::Ipv4Subnet::parse(subnet.subnet).contains(address)) return;
  }
  fail(ErrorCode::kInvalidArgument, "requested static ip {} not in any subnet on network {}",
       request.static_ip, request.name);
}

void join_network(Context& ctx, const std::string& id, const ConnectedNetwork& request) {
  auto [lock, fresh] = lock_container(ctx, id);
  if (!fresh) fail_no_such_container(id);
  state::ContainerRecord& record = *fresh;
  ContainerConfig config = parse_config(record);
  require_bridge_mode(config);
  auto networks = config.bridge_networks();
  bool running = has_process(record.status);
  if (std::find(networks.begin(), networks.end(), request.name) != networks.end()) {
    // Podman treats this as a no-op unless the container runs.
    if (!running) return;
    fail(ErrorCode::kAlreadyExists,
         "container {} is already connected to network \"{}\": network is already connected",
         record.id, request.name);
  }
  check_network_request(ctx, request);
  if (!running) {
    config.connected_networks.push_back(request);
    store(ctx, record, config);
    return;
  }
  join_running(ctx, record, config, request);
}

void leave_network(Context& ctx, const std::string& id, const std::string& network_name) {
  auto [lock, fresh] = lock_container(ctx, id);
  if (!fresh) fail_no_such_container(id);
  state::ContainerRecord& record = *fresh;
  ContainerConfig config = parse_config(record);
  require_bridge_mode(config);
  if (config.bridge_network() == network_name) {
    leave_primary(ctx, record, config, network_name);
    return;
  }
  auto& connected = config.connected_networks;
  auto it = std::find_if(connected.begin(), connected.end(),
                         [&](const ConnectedNetwork& n) { return n.name == network_name; });
  if (it == connected.end()) {
    fail(ErrorCode::kNotFound, "container {} is not connected to network {}", record.name,
         network_name);
  }
  connected.erase(it);
  if (!has_process(record.status)) {
    store(ctx, record, config);
    return;
  }
  leave_running(ctx, record, config, network_name);
}
void allocate_connected_networks(Context& ctx, const std::string& id,
                                 const ContainerConfig& config, NetworkState& state) {
  if (config.network_mode != "bridge") return;
  auto& manager = ctx.network();
  try {
    for (const auto& request : config.connected_networks) {
      network::Attachment attachment = manager.allocate(id, request.name, request.static_ip);
      state.connected.push_back({attachment.network, next_interface(state), attachment.ip,
                                 attachment.prefix_len, attachment.gateway, ""});
    }
  } catch (const Error&) {
    for (const auto& endpoint : state.connected) manager.detach(id, endpoint.network, false);
    state.connected.clear();
    throw;
  }
}

void attach_connected_networks(Context& ctx, const std::string& id,
                               const ContainerConfig& config, NetworkState& state) {
  auto& manager = ctx.network();
  for (auto& endpoint : state.connected) {
    network::Attachment attachment;
    attachment.network = endpoint.network;
    attachment.interface = endpoint.interface;
    attachment.ip = endpoint.ip;
    attachment.prefix_len = endpoint.prefix_len;
    attachment.gateway = endpoint.gateway;
    attachment.primary = false;
    for (const auto& request : config.connected_networks) {
      if (request.name == endpoint.network) attachment.mac = request.static_mac;
    }
    manager.connect(id, state.netns, {}, attachment);
    endpoint.mac = attachment.mac;
  }
}

void release_connected_networks(Context& ctx, const state::ContainerRecord& record,
                                const ContainerConfig& config, bool delete_veth_pairs) {
  if (config.network_mode != "bridge") return;
  std::set<std::string> names;
  for (const auto& request : config.connected_networks) names.insert(request.name);
  for (const auto& endpoint : parse_network_state(record).connected) {
    names.insert(endpoint.network);
  }
  for (const auto& name : names) {
    ctx.network().detach(record.id, name, delete_veth_pairs);
  }
}

}  // namespace berth::container
