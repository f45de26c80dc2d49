// Podman's per-network entries as --network values (see network_entries.hpp).

#include "api/network_entries.hpp"

#include "api/body_fields.hpp"
#include "common/error.hpp"
#include "engine/network_value.hpp"

namespace berth::api {

using body_fields::string_field;
using body_fields::string_list_field;

std::string network_value_of_entry(const std::string& name, const nlohmann::json& entry) {
  std::string network = name;
  if (!entry.is_object()) return network;
  for (const auto& alias : string_list_field(entry, "aliases")) {
    engine::append_network_option(network, "alias=" + alias);
  }
  auto ips = string_list_field(entry, "static_ips");
  if (ips.size() > 1) {
    fail(ErrorCode::kInvalidArgument,
         "invalid static_ips of network {} in the request body: berth takes one IPv4 address "
         "per network, got {}",
         name, ips.size());
  }
  if (!ips.empty()) engine::append_network_option(network, "ip=" + ips.front());
  std::string mac = string_field(entry, "static_mac");
  if (!mac.empty()) engine::append_network_option(network, "mac=" + mac);
  return network;
}

}  // namespace berth::api
