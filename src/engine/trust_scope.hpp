#pragma once

// Trust: the syntax of the scopes that `image trust set` writes into
// policy.json.

#include <string_view>

namespace berth::engine {

// Checks that scope is one that `image trust set` may write: "default", a
// registry "HOST[:PORT]", a namespace or repository under it
// ("HOST[:PORT]/PATH", optionally with ":TAG" or "@DIGEST"), or a wildcard
// "*.DOMAIN" (containers-policy.json(5)). HOST is a DNS name, an IPv4
// address or a bracketed IPv6 address, PORT at most 65535. Throws
// Error{kInvalidArgument} naming the scope and the rule it breaks.
void check_trust_scope(std::string_view scope);

}  // namespace berth::engine
