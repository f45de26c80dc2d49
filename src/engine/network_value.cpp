// The --network value and its per-network options (see network_value.hpp).

#include "engine/network_value.hpp"

#include <regex>
#include <sstream>

#include "common/error.hpp"
#include "network/ipv4.hpp"

namespace berth::engine {

NetworkValue parse_network_value(const std::string& value) {
  NetworkValue parsed{value, {}};
  auto colon = value.find(':');
  if (colon == std::string::npos) return parsed;

  // Modes whose text after the colon names a container or a path, or
  // carries options of their own, which berth does not take.
  std::string mode = value.substr(0, colon);
  for (const char* other : {"container", "ns", "slirp4netns", "pasta"}) {
    if (mode == other) return parsed;
  }

  // host, none and private take no options: they are parsed here so that
  // create can name the flag that does not fit the mode.
  parsed.name = mode;

  static const std::regex kAlias("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  std::stringstream options(value.substr(colon + 1));
  // --ip and --mac-address arrive as options too, so a second ip= or mac=
  // is a conflict between the flag and the option.
  auto once = [&](const std::string& current, const char* option) {
    if (!current.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --network \"{}\": {} is given twice: give one address, with the option or "
           "the flag",
           value, option);
    }
  };

  for (std::string option; std::getline(options, option, ',');) {
    if (option.starts_with("ip=")) {
      once(parsed.ip, "ip=");
      parsed.ip = option.substr(3);
      if (!network::try_parse_ipv4(parsed.ip)) {
        fail(ErrorCode::kInvalidArgument,
             "\"{}\" is not an IPv4 address: give --ip an address such as 10.88.0.5", parsed.ip);
      }
      continue;
    }
    if (option.starts_with("mac=")) {
      once(parsed.mac, "mac=");
      parsed.mac = option.substr(4);
      if (parsed.mac.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "invalid --network \"{}\": mac= needs an address such as 92:d0:c6:0a:29:33", value);
      }
      continue;
    }
    if (!option.starts_with("alias=")) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --network \"{}\": option \"{}\" is not supported, use alias=NAME, "
           "ip=ADDRESS or mac=ADDRESS",
           value, option);
    }
    std::string alias = option.substr(6);
    if (!std::regex_match(alias, kAlias)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid network alias \"{}\": use letters, digits, '_', '.' and '-', starting with a "
           "letter or digit",
           alias);
    }
    parsed.aliases.push_back(alias);
  }
  return parsed;
}


void append_network_option(std::string& network, const std::string& option) {
  network += (network.find(':') == std::string::npos ? ":" : ",") + option;
}

}  // namespace berth::engine
