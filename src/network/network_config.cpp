#include "network/network_config.hpp"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "network/ipv4.hpp"
#include "os/file.hpp"

namespace berth::network {
namespace {

using OrderedJson = nlohmann::ordered_json;

// The keys network_from_json maps to fields; everything else goes to `extra`.
constexpr std::string_view kKnownKeys[] = {
    "name",     "id",          "driver",      "network_interface", "created", "subnets",
    "ipv6_enabled", "internal", "dns_enabled", "labels",           "options", "ipam_options"};

bool is_known_key(std::string_view key) {
  return std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) != std::end(kKnownKeys);
}

bool is_hex_id(std::string_view id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void validate(const Network& network, std::string_view source) {
  if (!is_valid_network_name(network.name)) {
    fail(ErrorCode::kInvalidArgument, "{}: invalid network name \"{}\"", source, network.name);
  }
  if (!is_hex_id(network.id)) {
    fail(ErrorCode::kInvalidArgument, "{}: invalid network id \"{}\": expected 64 hex digits",
         source, network.id);
  }
  with_context(source, [&] {
    for (const Subnet& subnet : network.subnets) {
      auto cidr = Ipv4Subnet::parse(subnet.subnet);
      if (!subnet.gateway.empty() && !cidr.contains(parse_ipv4(subnet.gateway))) {
        fail(ErrorCode::kInvalidArgument, "gateway {} is outside subnet {}", subnet.gateway,
             subnet.subnet);
      }
    }
  });
}

std::map<std::string, std::string> string_map(const nlohmann::json& object, const char* key) {
  std::map<std::string, std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  for (const auto& [name, value] : it->items()) out[name] = value.get<std::string>();
  return out;
}

Subnet subnet_from_json(const nlohmann::json& object) {
  Subnet subnet;
  subnet.subnet = object.at("subnet").get<std::string>();
  subnet.gateway = object.value("gateway", "");
  if (auto range = object.find("lease_range"); range != object.end() && !range->is_null()) {
    subnet.lease_range =
        LeaseRange{range->value("start_ip", ""), range->value("end_ip", "")};
  }
  return subnet;
}

OrderedJson subnet_to_json(const Subnet& subnet) {
  OrderedJson out = OrderedJson::object();
  out["subnet"] = subnet.subnet;
  if (!subnet.gateway.empty()) out["gateway"] = subnet.gateway;
  if (subnet.lease_range) {
    OrderedJson range = OrderedJson::object();
    if (!subnet.lease_range->start_ip.empty()) range["start_ip"] = subnet.lease_range->start_ip;
    if (!subnet.lease_range->end_ip.empty()) range["end_ip"] = subnet.lease_range->end_ip;
    out["lease_range"] = range;
  }
  return out;
}

std::string network_path(const std::string& config_dir, const std::string& name) {
  return config_dir + "/" + name + ".json";
}

}  // namespace

bool is_valid_network_name(std::string_view name) {
  // Podman applies the same rule to network names as to container names.
  return is_valid_name(name);
}

std::string network_to_json(const Network& network) {
  OrderedJson out = OrderedJson::object();
  out["name"] = network.name;
  out["id"] = network.id;
  out["driver"] = network.driver;
  out["network_interface"] = network.network_interface;
  out["created"] = network.created;
  OrderedJson subnets = OrderedJson::array();
  for (const Subnet& subnet : network.subnets) subnets.push_back(subnet_to_json(subnet));
  out["subnets"] = subnets;
  out["ipv6_enabled"] = network.ipv6_enabled;
  out["internal"] = network.internal;
  out["dns_enabled"] = network.dns_enabled;
  if (!network.labels.empty()) out["labels"] = network.labels;
  if (!network.options.empty()) out["options"] = network.options;
  out["ipam_options"] = network.ipam_options;
  for (const auto& [key, value] : network.extra.items()) out[key] = value;
  // Podman indents its network files with five spaces.
  return out.dump(5) + "\n";
}

Network network_from_json(std::string_view text, std::string_view source) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "{}: invalid network JSON: {}", source, e.what());
  }
  if (!object.is_object()) {
    fail(ErrorCode::kInvalidArgument, "{}: invalid network JSON: expected an object", source);
  }
  Network network;
  try {
    network.name = object.at("name").get<std::string>();
    network.id = object.at("id").get<std::string>();
    network.driver = object.value("driver", "bridge");
    network.network_interface = object.value("network_interface", "");
    network.created = object.value("created", "");
    if (auto subnets = object.find("subnets"); subnets != object.end() && !subnets->is_null()) {
      for (const auto& subnet : *subnets) network.subnets.push_back(subnet_from_json(subnet));
    }
    network.ipv6_enabled = object.value("ipv6_enabled", false);
    network.internal = object.value("internal", false);
    network.dns_enabled = object.value("dns_enabled", false);
    network.labels = string_map(object, "labels");
    network.options = string_map(object, "options");
    if (object.contains("ipam_options")) network.ipam_options = string_map(object, "ipam_options");
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "{}: invalid network JSON: {}", source, e.what());
  }
  for (const auto& [key, value] : object.items()) {
    if (!is_known_key(key)) network.extra[key] = value;
  }
  validate(network, source);
  return network;
}

Network default_network() {
  Network network;
  network.name = kDefaultNetworkName;
  network.id = kDefaultNetworkId;
  network.network_interface = kDefaultBridge;
  network.created = format_rfc3339_nano(now_ns());
  network.subnets.push_back(Subnet{std::string(kDefaultSubnet), std::string(kDefaultGateway), {}});
  return network;
}

std::optional<Network> load_network(const std::string& config_dir, const std::string& name) {
  if (!is_valid_network_name(name)) {
    fail(ErrorCode::kInvalidArgument, "invalid network name \"{}\"", name);
  }
  std::string path = network_path(config_dir, name);
  auto text = os::read_file_if_exists(path);
  if (!text) {
    if (name == kDefaultNetworkName) return default_network();
    return std::nullopt;
  }
  Network network = network_from_json(*text, path);
  if (network.name != name) {
    fail(ErrorCode::kInvalidArgument, "{}: network name \"{}\" does not match the file name",
         path, network.name);
  }
  return network;
}

void store_network(const std::string& config_dir, const Network& network) {
  validate(network, "storing network \"" + network.name + "\"");
  os::make_dirs(config_dir);
  os::write_file_atomic(network_path(config_dir, network.name), network_to_json(network));
}

std::vector<Network> list_networks(const std::string& config_dir) {
  std::vector<Network> networks;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(config_dir.c_str()), ::closedir);
  if (!dir && errno != ENOENT) fail_errno(errno, "listing networks in \"" + config_dir + "\"");
  while (dir) {
    dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) break;
    std::string_view file = entry->d_name;
    if (file.size() <= 5 || !file.ends_with(".json")) continue;
    std::string path = config_dir + "/" + std::string(file);
    // One broken file must not hide the other networks: it is skipped with
    // a warning that names it, as netavark does.
    try {
      networks.push_back(network_from_json(os::read_file(path), path));
    } catch (const Error& e) {
      spdlog::warn("skipping a network file: {}", e.what());
    }
  }
  bool has_default = std::any_of(networks.begin(), networks.end(),
                                 [](const Network& n) { return n.name == kDefaultNetworkName; });
  if (!has_default) networks.push_back(default_network());
  std::sort(networks.begin(), networks.end(),
            [](const Network& a, const Network& b) { return a.name < b.name; });
  return networks;
}

}  // namespace berth::network
