// URL query strings and the `filters` parameter of the REST API.

#include "api/query.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace berth::api {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        fail(ErrorCode::kInvalidArgument, "invalid URL escape \"{}\"",
             std::string(text.substr(i, 3)));
      }
      if (high == 0 && low == 0) {
        fail(ErrorCode::kInvalidArgument, "invalid URL escape %00: names and values cannot hold NUL");
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Query::Query(std::string_view query) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name = percent_decode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    params_.emplace_back(std::move(name), std::move(value));
  }
}

std::optional<std::string> Query::get(const std::string& name) const {
  std::optional<std::string> found;
  for (const auto& [key, value] : params_) {
    if (key == name) found = value;
  }
  return found;
}

std::vector<std::string> Query::all(const std::string& name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : params_) {
    if (key == name) values.push_back(value);
  }
  return values;
}

bool Query::flag(const std::string& name, bool fallback) const {
  auto value = get(name);
  if (!value || value->empty()) return fallback;
  const std::string& v = *value;
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  fail(ErrorCode::kInvalidArgument, "invalid value \"{}\" for query parameter {}: want true or false",
       v, name);
}

std::optional<long long> Query::integer(const std::string& name) const {
  auto value = get(name);
  if (!value || value->empty()) return std::nullopt;
  std::size_t used = 0;
  long long number = 0;
  try {
    number = std::stoll(*value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value->size()) {
    fail(ErrorCode::kInvalidArgument, "invalid value \"{}\" for query parameter {}: want a number",
         *value, name);
  }
  return number;
}

std::vector<std::string> parse_filters(const std::string& json_text) {
  std::vector<std::string> filters;
  if (json_text.empty()) return filters;
  nlohmann::json parsed = nlohmann::json::parse(json_text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid filters \"{}\": want a JSON object of filter names to lists of values",
         json_text);
  }
  for (const auto& [name, values] : parsed.items()) {
    if (values.is_array()) {
      for (const auto& value : values) {
        if (!value.is_string()) {
          fail(ErrorCode::kInvalidArgument, "invalid filters: the values of {} must be strings",
               name);
        }
        filters.push_back(name + "=" + value.get<std::string>());
      }
    } else if (values.is_object()) {
      for (const auto& [value, enabled] : values.items()) {
        if (!enabled.is_boolean() || enabled.get<bool>()) filters.push_back(name + "=" + value);
      }
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid filters: {} must map to a list of values or an object of values", name);
    }
  }
  return filters;
}

}  // namespace berth::api
