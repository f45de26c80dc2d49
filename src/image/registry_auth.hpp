#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::image {

// One challenge of a WWW-Authenticate header (RFC 7235), such as
// Bearer realm="https://auth.example.com/token",service="registry".
struct AuthChallenge {
  std::string scheme;                         // lowercase: "basic", "bearer"
  std::map<std::string, std::string> params;  // lowercase names, unquoted values

  // Returns a parameter's value, or "".
  std::string param(const std::string& name) const;
};

// Parses every challenge in a WWW-Authenticate header value. Malformed parts
// are skipped; a header without any scheme gives an empty list.
std::vector<AuthChallenge> parse_www_authenticate(std::string_view header);

// Returns the challenge to respond to among the given header values: the first
// Bearer challenge that has a realm, else the first Basic one, else nullopt.
std::optional<AuthChallenge> choose_challenge(const std::vector<std::string>& header_values);

// Returns the token of a token-server response ("token", or "access_token"
// as OAuth2 servers name it). Throws Error{kUnavailable} when the body is not
// JSON or has neither field.
std::string parse_token_response(std::string_view body);

// Returns "Basic base64(username:password)" for an Authorization header.
std::string basic_authorization(std::string_view username, std::string_view password);

// Returns url with "?service=...&scope=..." (or "&" when url has a query)
// added, values percent-encoded; empty values are left out. scope may list
// several scopes separated by spaces, and each gets its own scope parameter.
std::string token_url(std::string_view realm, std::string_view service, std::string_view scope);

// Percent-encodes value for a URL query: every byte but letters, digits
// and "-._~".
std::string query_escape(std::string_view value);

// Returns whether a token issued for the granted scopes allows every action
// of the requested ones. Both are space-separated lists of "type:name:actions"
// with comma-separated actions, so "repository:a:pull,push" covers
// "repository:a:pull".
bool scope_covers(std::string_view granted, std::string_view requested);

}  // namespace berth::image
