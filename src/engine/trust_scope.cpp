#include "engine/trust_scope.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "common/error.hpp"
#include "image/reference.hpp"

namespace berth::engine {

namespace {

constexpr unsigned kMaxPort = 65535;

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// One DNS label: letters, digits and inner '-'. Digits alone also cover the
// parts of an IPv4 address.
bool is_valid_label(std::string_view label) {
  if (label.empty() || !is_ascii_alnum(label.front()) || !is_ascii_alnum(label.back())) {
    return false;
  }
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return is_ascii_alnum(c) || c == '-'; });
}

bool is_valid_dns_name(std::string_view name) {
  while (true) {
    auto dot = name.find('.');
    if (!is_valid_label(name.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
  }
}

bool is_valid_host(std::string_view host) {
  if (!host.starts_with('[')) return is_valid_dns_name(host);
  if (!host.ends_with(']')) return false;
  std::string address(host.substr(1, host.size() - 2));
  in6_addr parsed{};
  return ::inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
}

bool is_valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  unsigned value = std::stoul(std::string(port));
  return value >= 1 && value <= kMaxPort;
}

[[noreturn]] void reject(std::string_view scope, std::string_view reason) {
  fail(ErrorCode::kInvalidArgument,
       "invalid trust scope \"{}\": {} (use \"default\", HOST[:PORT], "
       "HOST[:PORT]/REPOSITORY[:TAG|@DIGEST] or *.DOMAIN)",
       scope, reason);
}

}  // namespace

void check_trust_scope(std::string_view scope) {
  if (scope == "default") return;
  if (scope.empty()) reject(scope, "the scope is empty");
  // NOTE: Podman 4.3's `image trust set` rejects wildcard scopes. berth
  // accepts them because its policy.json matcher applies them.
  if (scope.starts_with("*.")) {
    if (!is_valid_dns_name(scope.substr(2))) {
      reject(scope, "a wildcard scope is \"*.\" and a domain name, without port or path");
    }
    return;
  }

  auto slash = scope.find('/');
  std::string_view registry = scope.substr(0, slash);
  std::string_view host = registry;
  std::string_view port;
  bool has_port = false;
  // A bracketed IPv6 address has colons of its own: the port's colon
  // follows the closing bracket.
  auto colon = registry.find(':', registry.starts_with('[') ? registry.find(']') : 0);
  if (colon != std::string_view::npos) {
    host = registry.substr(0, colon);
    port = registry.substr(colon + 1);
    has_port = true;
  }
  if (!is_valid_host(host)) {
    reject(scope, fmt::format("invalid registry host \"{}\"", host));
  }
  if (has_port && !is_valid_port(port)) {
    reject(scope, fmt::format("invalid port \"{}\": the port is a number from 1 to {}", port,
                              kMaxPort));
  }
  if (slash == std::string_view::npos) return;

  // The part after the host is checked as an image reference: lowercase
  // path components, then an optional tag or digest.
  try {
    image::parse_reference(scope);
  } catch (const Error& e) {
    reject(scope, e.what());
  }
}

}  // namespace berth::engine
