#pragma once

// The --filter KEY=VALUE values of the ls commands: grouped by key, where
// values of one key match when any of them does (label! when all do) and
// different keys must all match, as in Podman.

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::engine {

using FilterGroups = std::map<std::string, std::vector<std::string>>;

// Groups filters by key. Throws Error{kInvalidArgument} naming the filter
// when its key is not in keys or it has no "="; kind names the objects in
// the message ("secret").
FilterGroups group_filters(const std::vector<std::string>& filters,
                           std::initializer_list<std::string_view> keys, std::string_view kind);

// Returns whether an object passes every group, given a test of one
// KEY=VALUE against it.
bool filters_match(const FilterGroups& groups,
                   const std::function<bool(const std::string& key, const std::string& value)>& test);

// Returns whether pattern, a regular expression, matches anywhere in text.
// Throws Error{kInvalidArgument} naming the filter for an invalid pattern.
bool filter_regex_matches(const std::string& key, const std::string& pattern,
                          const std::string& text);

// Returns whether labels (a JSON object) has KEY, or KEY=VALUE, as wanted.
bool filter_labels_match(const nlohmann::json& labels, const std::string& wanted);

}  // namespace berth::engine
