// Remote client: volumes and networks through the libpod API.

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"
#include "network/ip_range.hpp"
#include "network/network_config.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

std::string volume_path(const std::string& name, const std::string& action = "") {
  return libpod("/volumes/" + escape(name) + (action.empty() ? "" : "/" + action));
}

std::string network_path(const std::string& name, const std::string& action = "") {
  return libpod("/networks/" + escape(name) + (action.empty() ? "" : "/" + action));
}

// The query suffix "?filters=..." of filters, "" for none.
std::string filters_suffix(const std::vector<std::string>& filters, char separator = '?') {
  std::string query = filters_query(filters);
  return query.empty() ? "" : std::string(1, separator) + "filters=" + query;
}

VolumeReport volume_from_json(const json& item) {
  VolumeReport volume;
  volume.name = string_or_empty(item, "Name");
  volume.driver = string_or_empty(item, "Driver");
  volume.mountpoint = string_or_empty(item, "Mountpoint");
  volume.created_ns = time_field_ns(item, "CreatedAt");
  if (item.contains("Labels") && item["Labels"].is_object()) volume.labels = item["Labels"];
  if (item.contains("Options") && item["Options"].is_object()) volume.options = item["Options"];
  volume.scope = string_or_empty(item, "Scope");
  volume.mount_count = int_or_zero(item, "MountCount");
  volume.needs_copy_up = item.value("NeedsCopyUp", false);
  volume.needs_chown = item.value("NeedsChown", false);
  volume.anonymous = item.value("Anonymous", false);
  return volume;
}

// The libpod service sends network JSON in netavark's format, which the
// local network store reads too.
network::Network network_from_reply(const json& item) {
  return network::network_from_json(item.dump(), "the service's network reply");
}

}  // namespace

std::string RemoteEngine::volume_create(const VolumeCreateRequest& request) {
  json body = {{"Name", request.name},
               {"Driver", request.driver},
               {"Options", key_values_object(request.options)},
               {"Labels", key_values_object(request.labels)},
               {"IgnoreIfExists", request.ignore}};
  json reply = client_.send_json("POST", libpod("/volumes/create"), body);
  return string_or_empty(reply, "Name");
}

std::vector<VolumeReport> RemoteEngine::list_volumes(const std::vector<std::string>& filters) {
  json reply = client_.send_json("GET", libpod("/volumes/json") + filters_suffix(filters));
  std::vector<VolumeReport> volumes;
  if (!reply.is_array()) return volumes;
  for (const auto& item : reply) volumes.push_back(volume_from_json(item));
  return volumes;
}

VolumeReport RemoteEngine::inspect_volume(const std::string& name) {
  return volume_from_json(client_.send_json("GET", volume_path(name, "json")));
}

void RemoteEngine::volume_remove(const std::string& name, bool force, std::optional<int> timeout) {
  std::string target = volume_path(name) + "?force=" + (force ? "true" : "false");
  if (timeout) target += "&timeout=" + std::to_string(*timeout);
  client_.send("DELETE", target);
}

std::vector<std::string> RemoteEngine::volume_prune(const std::vector<std::string>& filters) {
  json reply = client_.send_json("POST", libpod("/volumes/prune") + filters_suffix(filters));
  std::vector<std::string> names;
  if (!reply.is_array()) return names;
  for (const auto& item : reply) names.push_back(string_or_empty(item, "Id"));
  return names;
}

bool RemoteEngine::volume_exists(const std::string& name) {
  try {
    client_.send("GET", volume_path(name, "exists"));
    return true;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    throw;
  }
}

std::vector<network::Network> RemoteEngine::list_networks(const std::vector<std::string>& filters) {
  json reply = client_.send_json("GET", libpod("/networks/json") + filters_suffix(filters));
  std::vector<network::Network> networks;
  if (!reply.is_array()) return networks;
  for (const auto& item : reply) networks.push_back(network_from_reply(item));
  return networks;
}

network::Network RemoteEngine::inspect_network(const std::string& name_or_id) {
  return network_from_reply(client_.send_json("GET", network_path(name_or_id, "json")));
}

network::Network RemoteEngine::network_create(const NetworkCreateRequest& request) {
  if (request.subnet.empty() && (!request.gateway.empty() || !request.ip_range.empty())) {
    // The same check and message as LocalEngine: the route would drop them.
    fail(ErrorCode::kInvalidArgument, "cannot set gateway or range without subnet: add --subnet");
  }
  json body = {{"name", request.name},
               {"driver", request.driver},
               {"network_interface", request.interface},
               {"internal", request.internal},
               {"dns_enabled", !request.disable_dns},
               {"labels", request.labels},
               {"options", request.options}};
  if (!request.subnet.empty()) {
    json subnet = {{"subnet", request.subnet}};
    if (!request.gateway.empty()) subnet["gateway"] = request.gateway;
    if (!request.ip_range.empty()) {
      // Podman's client sends --ip-range as the first and last address.
      network::LeaseRange range = network::lease_range_of(request.ip_range);
      subnet["lease_range"] = {{"start_ip", range.start_ip}, {"end_ip", range.end_ip}};
    }
    body["subnets"] = json::array({subnet});
  }
  std::string target = libpod("/networks/create");
  if (request.ignore) target += "?ignoreIfExists=true";
  return network_from_reply(client_.send_json("POST", target, body));
}

void RemoteEngine::network_remove(const std::string& name_or_id, bool force,
                                  std::optional<int> timeout) {
  std::string target = network_path(name_or_id) + "?force=" + (force ? "true" : "false");
  if (timeout) target += "&timeout=" + std::to_string(*timeout);
  client_.send("DELETE", target);
}

std::vector<std::string> RemoteEngine::network_prune(const std::vector<std::string>& filters) {
  json reply = client_.send_json("POST", libpod("/networks/prune") + filters_suffix(filters));
  std::vector<std::string> names;
  if (!reply.is_array()) return names;
  for (const auto& item : reply) names.push_back(string_or_empty(item, "Name"));
  return names;
}

void RemoteEngine::network_connect(const NetworkConnectRequest& request) {
  json body = {{"container", request.container}, {"aliases", request.aliases}};
  if (!request.ipv4.empty()) body["static_ips"] = json::array({request.ipv4});
  if (!request.mac.empty()) body["static_mac"] = request.mac;
  client_.send("POST", network_path(request.network, "connect"), body.dump());
}

void RemoteEngine::network_disconnect(const std::string& network, const std::string& container,
                                      bool force) {
  json body = {{"Container", container}, {"Force", force}};
  client_.send("POST", network_path(network, "disconnect"), body.dump());
}

}  // namespace berth::engine
