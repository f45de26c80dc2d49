#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::api {

// Decodes %XX escapes (and '+' as a space when plus_is_space, as in a
// query string). Throws Error{kInvalidArgument} for a bad escape.
std::string percent_decode(std::string_view text, bool plus_is_space);

// The parameters of a URL query string, in order; a name may repeat.
class Query {
 public:
  Query() = default;
  // Parses "a=1&b=x%20y&c". Throws Error{kInvalidArgument} for a bad escape.
  explicit Query(std::string_view query);

  // The last value of name, or nullopt when absent.
  std::optional<std::string> get(const std::string& name) const;
  // Every value of name, in order.
  std::vector<std::string> all(const std::string& name) const;
  bool has(const std::string& name) const { return get(name).has_value(); }

  // A boolean parameter as Go's strconv.ParseBool reads it ("1", "true",
  // "True", "0", "false", ...); absent or empty gives fallback. Throws
  // Error{kInvalidArgument} naming the parameter for anything else.
  bool flag(const std::string& name, bool fallback) const;
  // An integer parameter; absent or empty gives nullopt. Throws
  // Error{kInvalidArgument} naming the parameter for anything else.
  std::optional<long long> integer(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// The `filters` parameter as clients send it: a JSON object mapping each
// filter name to a list of values (["a","b"]) or to a map of values to
// true ({"a":true}), the older Docker shape. Returns "name=value" strings,
// the form the engine's --filter parsing takes. Throws
// Error{kInvalidArgument} for malformed JSON.
std::vector<std::string> parse_filters(const std::string& json_text);

}  // namespace berth::api
