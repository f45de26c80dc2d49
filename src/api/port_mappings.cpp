#include "api/port_mappings.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "api/body_fields.hpp"
#include "common/error.hpp"

namespace berth::api {

using nlohmann::json;
using namespace body_fields;

std::vector<std::string> publish_values(const json& body) {
  std::vector<std::string> values;
  const json* list = field(body, "portmappings");
  if (!list) return values;
  if (!list->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid portmappings in the request body: expected a list");
  }
  for (const auto& mapping : *list) {
    if (!mapping.is_object()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid portmappings in the request body: expected a list of objects");
    }
    std::int64_t range = std::max<std::int64_t>(int_field(mapping, "range"), 1);
    auto span = [range](std::int64_t first) {
      return range > 1 ? fmt::format("{}-{}", first, first + range - 1) : std::to_string(first);
    };
    std::int64_t host_port = int_field(mapping, "host_port");
    std::string value = (host_port > 0 ? span(host_port) : "") + ":" +
                        span(int_field(mapping, "container_port"));
    // tcp is the default, left out so that messages show the value as
    // users usually write it.
    if (std::string protocol = string_field(mapping, "protocol");
        !protocol.empty() && protocol != "tcp") {
      value += "/" + protocol;
    }
    if (std::string ip = string_field(mapping, "host_ip"); !ip.empty()) value = ip + ":" + value;
    values.push_back(value);
  }
  return values;
}

}  // namespace berth::api
