#include "engine/list_filters.hpp"

#include <regex>

#include "common/error.hpp"

namespace berth::engine {

FilterGroups group_filters(const std::vector<std::string>& filters,
                           std::initializer_list<std::string_view> keys, std::string_view kind) {
  FilterGroups groups;
  for (const auto& filter : filters) {
    auto equals = filter.find('=');
    std::string key = filter.substr(0, equals);
    bool known = false;
    for (auto k : keys) known = known || k == key;
    if (!known) {
      std::string names;
      for (auto k : keys) names += (names.empty() ? "" : ", ") + std::string(k);
      fail(ErrorCode::kInvalidArgument, "invalid {} filter \"{}\": use {}", kind, filter, names);
    }
    if (equals == std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "invalid {} filter \"{}\": expected KEY=VALUE", kind,
           filter);
    }
    groups[key].push_back(filter.substr(equals + 1));
  }
  return groups;
}

bool filters_match(const FilterGroups& groups,
                   const std::function<bool(const std::string& key, const std::string& value)>& test) {
  for (const auto& [key, values] : groups) {
    bool all = key.ends_with('!');
    bool matched = all;
    for (const auto& value : values) {
      bool hit = test(key, value);
      matched = all ? matched && hit : matched || hit;
    }
    if (!matched) return false;
  }
  return true;
}

bool filter_regex_matches(const std::string& key, const std::string& pattern,
                          const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern));
  } catch (const std::regex_error&) {
    fail(ErrorCode::kInvalidArgument, "invalid filter \"{}={}\": not a valid regular expression",
         key, pattern);
  }
}

bool filter_labels_match(const nlohmann::json& labels, const std::string& wanted) {
  auto equals = wanted.find('=');
  std::string key = wanted.substr(0, equals);
  if (!labels.contains(key)) return false;
  return equals == std::string::npos || labels[key] == wanted.substr(equals + 1);
}

}  // namespace berth::engine
