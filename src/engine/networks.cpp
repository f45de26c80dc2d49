// Networks: network ls and inspect of LocalEngine. The list is the default
// network plus the definition files in ROOT/networks (network_admin.cpp
// creates and removes them).

#include <set>

#include "common/error.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "engine/list_filters.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

namespace {

bool parse_dangling(const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  fail(ErrorCode::kInvalidArgument, "invalid network filter \"dangling={}\": use true or false",
       value);
}

// Podman 5's "containers" of network inspect: the running containers on
// network_name, keyed by ID, with the interface, address and MAC each got.
nlohmann::json running_containers_on(container::Context& ctx, const std::string& network_name) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& record : ctx.db().list_containers()) {
    if (record.network.empty() || !container::has_process(record.status)) continue;
    auto state = nlohmann::json::parse(record.network).get<container::NetworkState>();
    std::vector<container::NetworkEndpoint> endpoints = state.connected;
    endpoints.push_back({state.network, state.interface, state.ip, state.prefix_len,
                         state.gateway, state.mac});
    for (const auto& endpoint : endpoints) {
      if (endpoint.network != network_name) continue;
      nlohmann::json address = {
          {"ipnet", endpoint.ip + "/" + std::to_string(endpoint.prefix_len)}};
      if (!endpoint.gateway.empty()) address["gateway"] = endpoint.gateway;
      nlohmann::json interface = {{"subnets", nlohmann::json::array({address})},
                                  {"mac_address", endpoint.mac}};
      out[record.id]["name"] = record.name;
      out[record.id]["interfaces"][endpoint.interface] = interface;
    }
  }
  return out;
}

// Finds a network by name, ID or unique ID prefix, with Podman's messages.
network::Network find_network(const std::string& config_dir, const std::string& name_or_id) {
  auto networks = network::list_networks(config_dir);
  for (auto& net : networks) {
    if (net.name == name_or_id || net.id == name_or_id) return std::move(net);
  }
  std::optional<network::Network> match;
  for (auto& net : networks) {
    if (name_or_id.empty() || !net.id.starts_with(name_or_id)) continue;
    if (match) {
      fail(ErrorCode::kInvalidArgument,
           "more than one network has an ID starting with \"{}\": give more of the ID",
           name_or_id);
    }
    match = std::move(net);
  }
  if (!match) {
    fail(ErrorCode::kNotFound, "unable to find network with name or ID {}: network not found",
         name_or_id);
  }
  return *match;
}

}  // namespace

std::vector<network::Network> LocalEngine::list_networks(
    const std::vector<std::string>& filters) {
  auto groups = group_filters(
      filters, {"name", "id", "driver", "label", "label!", "until", "dangling"}, "network");
  // Networks that containers use, for dangling.
  std::set<std::string> in_use_names;
  if (groups.contains("dangling")) {
    for (const auto& record : ctx_.db().list_containers()) {
      auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
      for (auto& name : config.bridge_networks()) in_use_names.insert(std::move(name));
    }
  }
  std::vector<network::Network> result;
  for (auto& net : network::list_networks(ctx_.paths().networks())) {
    nlohmann::json labels = net.labels;
    bool in_use = in_use_names.contains(net.name);
    bool keep = filters_match(groups, [&](const std::string& key, const std::string& value) {
      if (key == "name") return filter_regex_matches(key, value, net.name);
      if (key == "id") return filter_regex_matches(key, value, net.id);
      if (key == "driver") return net.driver == value;
      if (key == "label") return filter_labels_match(labels, value);
      if (key == "until") return parse_rfc3339(net.created) < parse_time_or_duration(value);
      if (key == "dangling") return parse_dangling(value) == !in_use;
      return !filter_labels_match(labels, value);
    });
    if (keep) result.push_back(std::move(net));
  }
  return result;
}

network::Network LocalEngine::inspect_network(const std::string& name_or_id) {
  network::Network net = find_network(ctx_.paths().networks(), name_or_id);
  net.extra["containers"] = running_containers_on(ctx_, net.name);
  return net;
}

}  // namespace berth::engine
