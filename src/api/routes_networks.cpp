// Network routes of both APIs: list, inspect, exists, create, delete,
// prune, connect and disconnect. Docker's API gets Docker's network object; libpod gets the
// netavark JSON that `podman network inspect` prints.

#include <algorithm>

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/engine.hpp"
#include "network/ip_range.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

std::vector<std::string> query_filters(Exchange& x) {
  return parse_filters(x.query().get("filters").value_or(""));
}

// The containers on net, with the address each got, in Docker's
// "Containers" shape. Only running containers have an address.
ordered_json attached_containers(Exchange& x, const network::Network& net) {
  ordered_json out = ordered_json::object();
  for (const auto& c : x.engine().list_containers(true)) {
    if (std::find(c.networks.begin(), c.networks.end(), net.name) == c.networks.end()) continue;
    json inspect = x.engine().inspect_container(c.id);
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    json endpoint = inspect["NetworkSettings"]["Networks"].value(net.name, json::object());
    std::string ip = endpoint.value("IPAddress", "");
    int prefix = endpoint.value("IPPrefixLen", 0);
    out[c.id] = {{"Name", c.name},
                 {"EndpointID", ""},
                 {"MacAddress", endpoint.value("MacAddress", "")},
                 {"IPv4Address", ip.empty() ? "" : ip + "/" + std::to_string(prefix)},
                 {"IPv6Address", ""}};
  }
  return out;
}

// Docker's network object. Containers is filled for inspect only, as
// Docker's list leaves it empty.
ordered_json docker_network(Exchange& x, const network::Network& net, bool with_containers) {
  ordered_json config = ordered_json::array();
  for (const auto& subnet : net.subnets) {
    ordered_json item = {{"Subnet", subnet.subnet}};
    if (!subnet.gateway.empty()) item["Gateway"] = subnet.gateway;
    config.push_back(item);
  }
  ordered_json options = ordered_json::object();
  // Only the options given at create, as Docker: docker-compose compares
  // them with its file and recreates a network whose options differ.
  for (const auto& [key, value] : net.options) options[key] = value;
  ordered_json labels = ordered_json::object();
  for (const auto& [key, value] : net.labels) labels[key] = value;
  return {{"Name", net.name},
          {"Id", net.id},
          {"Created", net.created},
          {"Scope", "local"},
          {"Driver", net.driver},
          {"EnableIPv6", net.ipv6_enabled},
          {"IPAM", {{"Driver", "default"}, {"Options", nullptr}, {"Config", config}}},
          {"Internal", net.internal},
          {"Attachable", false},
          {"Ingress", false},
          {"ConfigFrom", {{"Network", ""}}},
          {"ConfigOnly", false},
          {"Containers", with_containers ? attached_containers(x, net) : ordered_json::object()},
          {"Options", options},
          {"Labels", labels}};
}

ordered_json podman_network(const network::Network& net) {
  return ordered_json::parse(network::network_to_json(net));
}

void list(Exchange& x) {
  ordered_json out = ordered_json::array();
  for (const auto& net : x.engine().list_networks(query_filters(x))) {
    out.push_back(x.libpod() ? podman_network(net) : docker_network(x, net, false));
  }
  x.reply_json(status::ok, out);
}

void inspect(Exchange& x) {
  auto net = x.engine().inspect_network(x.param("name"));
  x.reply_json(status::ok, x.libpod() ? podman_network(net) : docker_network(x, net, true));
}

void exists(Exchange& x) {
  x.engine().inspect_network(x.param("name"));
  x.reply_empty(status::no_content);
}

const json* member(const json& body, const char* key) {
  if (!body.is_object()) return nullptr;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_member(const json& body, const char* key) {
  const json* value = member(body, key);
  if (!value) return "";
  if (!value->is_string()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: expected a string", key);
  }
  return value->get<std::string>();
}

bool bool_member(const json& body, const char* key) {
  const json* value = member(body, key);
  if (!value) return false;
  if (!value->is_boolean()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: expected true or false",
         key);
  }
  return value->get<bool>();
}

std::map<std::string, std::string> string_map_member(const json& body, const char* key) {
  const json* value = member(body, key);
  std::map<std::string, std::string> out;
  if (!value) return out;
  if (!value->is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} in the request body: expected an object of strings", key);
  }
  for (const auto& [k, v] : value->items()) {
    if (!v.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid {}.{} in the request body: expected a string", key,
           k);
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

// Docker's create body: Name, Driver, Internal, Labels, Options and
// IPAM.Config[].Subnet/Gateway/IPRange. IPAM.Config may hold one entry,
// because berth supports one IPv4 subnet per network.
engine::NetworkCreateRequest docker_create_request(const json& body) {
  engine::NetworkCreateRequest request;
  request.name = string_member(body, "Name");
  if (request.name.empty()) {
    fail(ErrorCode::kInvalidArgument, "no network name given: the request body needs a Name");
  }
  request.driver = string_member(body, "Driver");
  request.internal = bool_member(body, "Internal");
  request.labels = string_map_member(body, "Labels");
  request.options = string_map_member(body, "Options");

  // Docker's way to name the bridge, which Podman also takes.
  if (auto it = request.options.find("com.docker.network.bridge.name");
      it != request.options.end()) {
    request.interface = it->second;
    request.options.erase(it);
  }
  if (bool_member(body, "EnableIPv6")) {
    fail(ErrorCode::kInvalidArgument, "invalid EnableIPv6: berth supports IPv4 networks only");
  }

  if (const json* ipam = member(body, "IPAM")) {
    if (const json* config = member(*ipam, "Config")) {
      if (!config->is_array()) {
        fail(ErrorCode::kInvalidArgument,
             "invalid IPAM.Config in the request body: expected a list");
      }
      if (config->size() > 1) {
        fail(ErrorCode::kInvalidArgument,
             "invalid IPAM.Config: berth supports one subnet per network, got {}", config->size());
      }
      if (!config->empty()) {
        request.subnet = string_member(config->front(), "Subnet");
        request.gateway = string_member(config->front(), "Gateway");
        request.ip_range = string_member(config->front(), "IPRange");
      }
    }
  }
  return request;
}

// Podman's create body: the network JSON that inspect prints.
engine::NetworkCreateRequest podman_create_request(const json& body) {
  engine::NetworkCreateRequest request;
  request.name = string_member(body, "name");
  request.driver = string_member(body, "driver");
  request.interface = string_member(body, "network_interface");
  request.internal = bool_member(body, "internal");
  if (const json* dns = member(body, "dns_enabled")) {
    request.disable_dns = !(dns->is_boolean() && dns->get<bool>());
  }
  request.labels = string_map_member(body, "labels");
  request.options = string_map_member(body, "options");
  if (bool_member(body, "ipv6_enabled")) {
    fail(ErrorCode::kInvalidArgument, "invalid ipv6_enabled: berth supports IPv4 networks only");
  }
  if (const json* subnets = member(body, "subnets")) {
    if (!subnets->is_array() || subnets->size() > 1) {
      fail(ErrorCode::kInvalidArgument,
           "invalid subnets in the request body: expected a list of at most one subnet");
    }
    if (!subnets->empty()) {
      const json& subnet = subnets->front();
      request.subnet = string_member(subnet, "subnet");
      request.gateway = string_member(subnet, "gateway");
      if (const json* range = member(subnet, "lease_range"); range && !range->is_null()) {
        // The engine takes the --ip-range value: the CIDR form when the
        // range is one, so its checks and messages are those of a local
        // create.
        request.ip_range = network::ip_range_of(
            {string_member(*range, "start_ip"), string_member(*range, "end_ip")});
      }
    }
  }
  return request;
}

void create(Exchange& x) {
  json body = x.json_body();
  if (!body.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid request body: expected a JSON object");
  }
  if (x.libpod()) {
    auto request = podman_create_request(body);
    request.ignore = x.query().flag("ignoreIfExists", false);
    x.reply_json(status::ok, podman_network(x.engine().network_create(request)));
    return;
  }
  auto net = x.engine().network_create(docker_create_request(body));
  x.reply_json(status::created, json{{"Id", net.id}, {"Warning", ""}});
}

std::optional<int> timeout_param(Exchange& x) {
  auto seconds = x.query().integer("timeout");
  if (!seconds) seconds = x.query().integer("t");
  if (!seconds) return std::nullopt;
  return static_cast<int>(*seconds);
}

void remove(Exchange& x) {
  std::string name = x.param("name");
  if (x.libpod()) {
    x.engine().network_remove(name, x.query().flag("force", false), timeout_param(x));
    x.reply_json(status::ok, json::array({{{"Name", name}, {"Err", nullptr}}}));
    return;
  }
  try {
    x.engine().network_remove(name, false, std::nullopt);
  } catch (const Error& e) {
    // Docker forbids removing a network that has containers or is built in.
    if (e.code() != ErrorCode::kConflict && e.code() != ErrorCode::kInvalidArgument) throw;
    spdlog::debug("DELETE /networks/{}: forbidden: {}", name, e.what());
    x.reply_json(status::forbidden, error_body(e, status::forbidden));
    return;
  }
  x.reply_empty(status::no_content);
}

void prune(Exchange& x) {
  auto removed = x.engine().network_prune(query_filters(x));
  if (x.libpod()) {
    json out = json::array();
    for (const auto& name : removed) out.push_back({{"Name", name}, {"Error", nullptr}});
    x.reply_json(status::ok, out);
    return;
  }
  x.reply_json(status::ok, json{{"NetworksDeleted", removed}});
}

std::vector<std::string> string_list_member(const json& body, const char* key) {
  const json* value = member(body, key);
  std::vector<std::string> out;
  if (!value) return out;
  if (!value->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: expected a list of strings",
         key);
  }
  for (const auto& item : *value) {
    if (!item.is_string()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid {} in the request body: expected a list of strings", key);
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

// The request of Docker's body {Container, EndpointConfig{IPAMConfig{IPv4Address},
// Aliases, MacAddress}}.
engine::NetworkConnectRequest docker_connect_request(const json& body) {
  engine::NetworkConnectRequest request;
  request.container = string_member(body, "Container");
  if (const json* endpoint = member(body, "EndpointConfig")) {
    request.aliases = string_list_member(*endpoint, "Aliases");
    request.mac = string_member(*endpoint, "MacAddress");
    if (const json* ipam = member(*endpoint, "IPAMConfig")) {
      request.ipv4 = string_member(*ipam, "IPv4Address");
      if (!string_member(*ipam, "IPv6Address").empty()) {
        fail(ErrorCode::kInvalidArgument,
             "invalid IPAMConfig.IPv6Address: berth supports IPv4 networks only");
      }
    }
  }
  return request;
}

// The request of Podman's body {container, aliases, static_ips, static_mac}.
engine::NetworkConnectRequest podman_connect_request(const json& body) {
  engine::NetworkConnectRequest request;
  request.container = string_member(body, "container");
  request.aliases = string_list_member(body, "aliases");
  request.mac = string_member(body, "static_mac");
  for (const auto& ip : string_list_member(body, "static_ips")) {
    if (ip.find(':') != std::string::npos) {
      fail(ErrorCode::kInvalidArgument,
           "invalid static_ips entry \"{}\": berth supports IPv4 networks only", ip);
    }
    if (!request.ipv4.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid static_ips in the request body: expected at most one IPv4 address");
    }
    request.ipv4 = ip;
  }
  return request;
}

void require_object(const json& body) {
  if (!body.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid request body: expected a JSON object");
  }
}

void connect(Exchange& x) {
  json body = x.json_body();
  require_object(body);
  auto request = x.libpod() ? podman_connect_request(body) : docker_connect_request(body);
  if (request.container.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing {} in the request body",
         x.libpod() ? "container" : "Container");
  }
  request.network = x.param("name");
  x.engine().network_connect(request);
  x.reply_empty(status::ok);
}

void disconnect(Exchange& x) {
  json body = x.json_body();
  require_object(body);
  // Podman's client sends Docker's capitalized names here too.
  std::string container = string_member(body, "Container");
  if (container.empty()) container = string_member(body, "container");
  if (container.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing Container in the request body");
  }
  bool force = bool_member(body, "Force") || bool_member(body, "force");
  x.engine().network_disconnect(x.param("name"), container, force);
  x.reply_empty(status::ok);
}

}  // namespace

void add_network_routes(Router& router) {
  router.add(verb::get, "/networks", list);
  router.add(verb::get, "/networks/{name}", inspect);
  router.add(verb::post, "/networks/create", create);
  router.add(verb::delete_, "/networks/{name}", remove);
  router.add(verb::post, "/networks/prune", prune);
  router.add(verb::get, "/libpod/networks/json", list);
  router.add(verb::get, "/libpod/networks/{name}/json", inspect);
  router.add(verb::get, "/libpod/networks/{name}/exists", exists);
  router.add(verb::post, "/libpod/networks/create", create);
  router.add(verb::delete_, "/libpod/networks/{name}", remove);
  router.add(verb::post, "/libpod/networks/prune", prune);
  // network connect and disconnect.
  router.add(verb::post, "/networks/{name}/connect", connect);
  router.add(verb::post, "/networks/{name}/disconnect", disconnect);
  router.add(verb::post, "/libpod/networks/{name}/connect", connect);
  router.add(verb::post, "/libpod/networks/{name}/disconnect", disconnect);
}

}  // namespace berth::api
