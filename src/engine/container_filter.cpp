#include "engine/container_filter.hpp"

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

#include "common/error.hpp"
#include "common/time.hpp"

namespace berth::engine {

namespace {

const std::set<std::string> kPsKeys = {"id",     "name",   "label",  "label!", "exited",
                                       "status", "ancestor", "before", "since", "volume",
                                       "health", "pod",    "network"};
const std::set<std::string> kStates = {"created", "running", "paused", "stopped",
                                       "exited",  "unknown", "configured", "removing"};
const std::set<std::string> kHealth = {"starting", "healthy", "unhealthy", "none"};

// Splits KEY=VALUE; "label!=x" gives the key "label!".
std::pair<std::string, std::string> split_filter(const std::string& filter) {
  auto equals = filter.find('=');
  if (equals == std::string::npos || equals == 0) {
    fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": use KEY=VALUE", filter);
  }
  return {filter.substr(0, equals), filter.substr(equals + 1)};
}

void validate_value(const std::string& key, const std::string& value) {
  if (value.empty() && key != "label" && key != "label!") {
    fail(ErrorCode::kInvalidArgument, "invalid filter \"{}=\": the value is empty", key);
  }
  if (key == "status" && !kStates.contains(value)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid status filter \"{}\": use created, running, paused, stopped, exited or unknown",
         value);
  }
  if (key == "health" && !kHealth.contains(value)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid health filter \"{}\": use starting, healthy, unhealthy or none", value);
  }
  if (key == "exited") {
    std::size_t used = 0;
    try {
      int code = std::stoi(value, &used);
      if (used == value.size() && code >= 0 && code <= 255) return;
    } catch (const std::logic_error&) {
    }
    fail(ErrorCode::kInvalidArgument, "invalid exited filter \"{}\": use an exit code 0-255",
         value);
  }
  if (key == "name") {
    try {
      std::regex check(value);
    } catch (const std::regex_error&) {
      fail(ErrorCode::kInvalidArgument, "invalid name filter \"{}\": not a regular expression",
           value);
    }
  }
}

bool label_matches(const nlohmann::json& labels, const std::string& filter) {
  auto equals = filter.find('=');
  std::string key = filter.substr(0, equals);
  if (!labels.is_object() || !labels.contains(key)) return false;
  if (equals == std::string::npos) return true;
  const auto& value = labels[key];
  return value.is_string() && value.get<std::string>() == filter.substr(equals + 1);
}

// The state a status filter compares with: Podman shows "stopped"
// containers as exited and "configured" ones as created.
bool status_matches(const ContainerSummary& c, const std::string& wanted) {
  if (wanted == c.status) return true;
  if (wanted == "exited") return c.status == "stopped";
  if (wanted == "stopped") return c.status == "exited";
  if (wanted == "created") return c.status == "configured";
  return false;
}

// Image references match by ID prefix, by full name, or by name without
// registry and tag ("busybox" matches "127.0.0.1:5000/busybox:latest").
bool ancestor_matches(const ContainerSummary& c, const std::string& wanted) {
  std::string id = wanted.starts_with("sha256:") ? wanted.substr(7) : wanted;
  if (id.size() >= 3 && c.image_id.starts_with(id)) return true;
  std::string image = c.image;
  if (image == wanted || image == wanted + ":latest") return true;
  auto slash = image.rfind('/');
  std::string short_name = slash == std::string::npos ? image : image.substr(slash + 1);
  return short_name == wanted || short_name == wanted + ":latest";
}

bool exited(const ContainerSummary& c) { return c.status == "exited" || c.status == "stopped"; }

// Returns the creation time of the container ref names in all.
std::int64_t created_of(const std::vector<ContainerSummary>& all, const std::string& ref) {
  const ContainerSummary* found = nullptr;
  for (const auto& c : all) {
    if (c.name == ref || c.id == ref) return c.created_ns;
    if (c.id.starts_with(ref)) {
      if (found != nullptr) {
        fail(ErrorCode::kInvalidArgument, "more than one container matches ID prefix \"{}\"", ref);
      }
      found = &c;
    }
  }
  if (found == nullptr) {
    fail(ErrorCode::kNotFound, "no container with name or ID \"{}\" found: no such container", ref);
  }
  return found->created_ns;
}

bool any_of_values(const std::vector<std::string>& values,
                   const std::function<bool(const std::string&)>& matches) {
  return std::any_of(values.begin(), values.end(), matches);
}

// Whether c matches every key of filter.
bool matches(const ContainerSummary& c, const ContainerFilter& filter,
             const std::map<std::string, std::int64_t>& reference_times) {
  for (const auto& [key, values] : filter.values) {
    bool ok = true;
    if (key == "id") {
      ok = any_of_values(values, [&](const std::string& v) { return c.id.starts_with(v); });
    } else if (key == "name") {
      ok = any_of_values(values, [&](const std::string& v) {
        return std::regex_search(c.name, std::regex(v));
      });
    } else if (key == "label") {
      ok = std::all_of(values.begin(), values.end(),
                       [&](const std::string& v) { return label_matches(c.labels, v); });
    } else if (key == "label!") {
      ok = std::none_of(values.begin(), values.end(),
                        [&](const std::string& v) { return label_matches(c.labels, v); });
    } else if (key == "exited") {
      ok = exited(c) && any_of_values(values, [&](const std::string& v) {
             return c.exit_code == std::stoi(v);
           });
    } else if (key == "status") {
      ok = any_of_values(values, [&](const std::string& v) { return status_matches(c, v); });
    } else if (key == "ancestor") {
      ok = any_of_values(values, [&](const std::string& v) { return ancestor_matches(c, v); });
    } else if (key == "before") {
      ok = any_of_values(values,
                         [&](const std::string& v) { return c.created_ns < reference_times.at(v); });
    } else if (key == "since") {
      ok = any_of_values(values,
                         [&](const std::string& v) { return c.created_ns > reference_times.at(v); });
    } else if (key == "volume") {
      ok = any_of_values(values, [&](const std::string& v) {
        return std::find(c.mounts.begin(), c.mounts.end(), v) != c.mounts.end() ||
               std::find(c.volume_names.begin(), c.volume_names.end(), v) != c.volume_names.end();
      });
    } else if (key == "health") {
      ok = any_of_values(values, [&](const std::string& v) {
        return c.health.empty() ? v == "none" : c.health == v;
      });
    } else if (key == "pod") {
      // The callers (ps and the list route) apply pod= themselves, since
      // a summary does not name its pod; here it matches nothing.
      ok = false;
    } else if (key == "network") {
      ok = any_of_values(values, [&](const std::string& v) {
        return std::find(c.networks.begin(), c.networks.end(), v) != c.networks.end();
      });
    } else if (key == "until") {
      ok = any_of_values(values, [&](const std::string& v) {
        return c.created_ns < parse_time_or_duration(v);
      });
    }
    if (!ok) return false;
  }
  return true;
}

ContainerFilter parse_filters(const std::vector<std::string>& filters,
                              const std::set<std::string>& keys) {
  ContainerFilter filter;
  for (const auto& text : filters) {
    auto [key, value] = split_filter(text);
    if (!keys.contains(key)) {
      fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": {} is not a valid filter key",
           text, key);
    }
    validate_value(key, value);
    if (key == "until") parse_time_or_duration(value);
    filter.values[key].push_back(value);
  }
  return filter;
}

}  // namespace

ContainerFilter parse_container_filters(const std::vector<std::string>& filters) {
  return parse_filters(filters, kPsKeys);
}

ContainerFilter parse_prune_filters(const std::vector<std::string>& filters) {
  return parse_filters(filters, {"until", "label", "label!"});
}

std::vector<ContainerSummary> match_containers(const std::vector<ContainerSummary>& candidates,
                                               const std::vector<ContainerSummary>& all,
                                               const ContainerFilter& filter) {
  std::map<std::string, std::int64_t> reference_times;
  for (const char* key : {"before", "since"}) {
    auto found = filter.values.find(key);
    if (found == filter.values.end()) continue;
    for (const auto& ref : found->second) reference_times[ref] = created_of(all, ref);
  }
  std::vector<ContainerSummary> kept;
  for (const auto& c : candidates) {
    if (matches(c, filter, reference_times)) kept.push_back(c);
  }
  return kept;
}

}  // namespace berth::engine
