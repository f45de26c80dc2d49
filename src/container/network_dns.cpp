#include "container/network_dns.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/log.hpp"
#include "network/aardvark.hpp"
#include "network/network_manager.hpp"

namespace berth::container {
namespace {

// The aardvark-dns program, looked up once per process.
const std::optional<std::string>& aardvark_binary() {
  static const std::optional<std::string> binary = network::Aardvark::find_binary();
  return binary;
}

bool dns_enabled(Context& ctx, const std::string& network_name) {
  return ctx.network().network(network_name).dns_enabled;
}

// The names of the container on one network, without duplicates: its
// name, its short ID, then the network's aliases, as Podman 4 gives them.
// A pod's infra container, whose network the pod's members share, is
// found by the pod's name too, as in Podman.
std::vector<std::string> names_on_network(Context& ctx, const state::ContainerRecord& record,
                                          const ContainerConfig& config,
                                          const std::vector<std::string>& aliases) {
  std::vector<std::string> names;
  if (config.pod_infra && !config.pod_id.empty()) {
    if (auto pod = ctx.db().get_pod(config.pod_id)) names.push_back(pod->name);
  }
  for (const auto& name : {record.name, record.id.substr(0, 12)}) names.push_back(name);
  for (const auto& alias : aliases) names.push_back(alias);
  std::vector<std::string> unique;
  for (const auto& name : names) {
    if (std::find(unique.begin(), unique.end(), name) == unique.end()) unique.push_back(name);
  }
  return unique;
}

void add_entry(const std::string& network_name, const std::string& gateway,
               const network::DnsEntry& entry) {
  network::Aardvark dns(kHostNetworkRunDir, *aardvark_binary());
  dns.add(network_name, gateway, entry);
}

}  // namespace

std::vector<std::string> primary_network_aliases(const ContainerConfig& config) {
  std::vector<std::string> aliases;
  auto it = config.annotations.find(kNetworkAliasesAnnotation);
  if (it == config.annotations.end() || !it->is_string()) return aliases;
  std::string text = it->get<std::string>();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) aliases.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return aliases;
}

void set_primary_network_aliases(ContainerConfig& config, const std::vector<std::string>& aliases) {
  if (aliases.empty()) {
    config.annotations.erase(kNetworkAliasesAnnotation);
    return;
  }
  std::string text;
  for (const auto& alias : aliases) text += (text.empty() ? "" : ",") + alias;
  config.annotations[kNetworkAliasesAnnotation] = text;
}

ConnectedNetwork primary_network_request(const ContainerConfig& config) {
  ConnectedNetwork request;
  request.name = config.bridge_network();
  request.aliases = primary_network_aliases(config);
  auto text = [&](const char* key) {
    auto it = config.annotations.find(key);
    return it != config.annotations.end() && it->is_string() ? it->get<std::string>() : "";
  };
  request.static_ip = text(kNetworkIpAnnotation);
  request.static_mac = text(kNetworkMacAnnotation);
  return request;
}

void set_primary_network_request(ContainerConfig& config, const ConnectedNetwork& request) {
  config.network_name = request.name;
  set_primary_network_aliases(config, request.aliases);
  auto set = [&](const char* key, const std::string& value) {
    if (value.empty()) {
      config.annotations.erase(key);
    } else {
      config.annotations[key] = value;
    }
  };
  set(kNetworkIpAnnotation, request.static_ip);
  set(kNetworkMacAnnotation, request.static_mac);
}

std::vector<std::string> dns_name_servers(Context& ctx, const NetworkState& state) {
  std::vector<std::string> servers;
  if (state.network.empty()) return servers;
  auto add = [&](const std::string& network_name, const std::string& gateway) {
    if (gateway.empty() || !dns_enabled(ctx, network_name)) return;
    if (std::find(servers.begin(), servers.end(), gateway) == servers.end()) {
      servers.push_back(gateway);
    }
  };
  add(state.network, state.gateway);
  for (const auto& endpoint : state.connected) add(endpoint.network, endpoint.gateway);
  if (!servers.empty() && !aardvark_binary()) {
    spdlog::debug("aardvark-dns is not installed: containers on network {} get no name "
                  "resolution and use the host's name servers",
                  state.network);
    servers.clear();
  }
  return servers;
}

void register_dns_names(Context& ctx, const state::ContainerRecord& record,
                        const ContainerConfig& config, const NetworkState& state) {
  if (state.network.empty() || !aardvark_binary()) return;
  if (!state.gateway.empty() && dns_enabled(ctx, state.network)) {
    add_entry(state.network, state.gateway,
              {record.id, state.ip,
               names_on_network(ctx, record, config, primary_network_aliases(config))});
  }
  for (const auto& endpoint : state.connected) {
    if (endpoint.gateway.empty() || !dns_enabled(ctx, endpoint.network)) continue;
    std::vector<std::string> aliases;
    for (const auto& request : config.connected_networks) {
      if (request.name == endpoint.network) aliases = request.aliases;
    }
    add_entry(endpoint.network, endpoint.gateway,
              {record.id, endpoint.ip, names_on_network(ctx, record, config, aliases)});
  }
}

void register_dns_names(Context& ctx, const state::ContainerRecord& record,
                        const ContainerConfig& config, const ConnectedNetwork& request,
                        const NetworkEndpoint& endpoint) {
  if (!aardvark_binary() || endpoint.gateway.empty() || !dns_enabled(ctx, endpoint.network)) {
    return;
  }
  add_entry(endpoint.network, endpoint.gateway,
            {record.id, endpoint.ip, names_on_network(ctx, record, config, request.aliases)});
}

void unregister_dns_names(const std::string& id, const std::vector<std::string>& networks) {
  // The program is not needed to drop entries, only to reload the server.
  network::Aardvark dns(kHostNetworkRunDir, aardvark_binary().value_or("aardvark-dns"));
  for (const auto& name : networks) {
    try {
      dns.remove(name, id);
    } catch (const Error& e) {
      // A name left behind is dropped by the next change, because the
      // container's namespace is gone by then, so teardown goes on.
      spdlog::warn("removing container {} from network {}'s DNS: {}", id.substr(0, 12), name,
                   e.what());
    }
  }
}

}  // namespace berth::container
