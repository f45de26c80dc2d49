#include "events/events.hpp"

#include <time.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"

namespace berth::events {

void write(state::Database& db, EventRecord event) noexcept {
  try {
    if (event.time_ns == 0) event.time_ns = now_ns();
    db.insert_event(event, kMaxEvents);
  } catch (const std::exception& e) {
    spdlog::warn("writing {} event {} of \"{}\": {}", event.type, event.status,
                 event.name.empty() ? event.object_id : event.name, e.what());
  }
}

namespace {

// Returns a container event with the container's ID, name, image and pod,
// and its labels and extra as the attributes.
EventRecord container_event(const state::ContainerRecord& container, std::string_view status,
                            std::optional<int> exit_code,
                            nlohmann::json extra = nlohmann::json::object()) noexcept {
  EventRecord event;
  event.type = "container";
  event.status = status;
  event.object_id = container.id;
  event.name = container.name;
  event.image = container.image_name;
  event.exit_code = exit_code;
  try {
    // The labels are the attributes, as in Podman, and a pod's member
    // names its pod; a config that does not parse only loses them.
    auto attributes = nlohmann::json::object();
    auto config = nlohmann::json::parse(container.config, nullptr, false);
    if (config.is_object()) {
      auto labels = config.find("labels");
      if (labels != config.end() && labels->is_object()) attributes = *labels;
      auto pod = config.find("pod_id");
      if (pod != config.end() && pod->is_string()) event.pod_id = pod->get<std::string>();
    }
    attributes.update(extra);
    if (!attributes.empty()) event.attributes = attributes.dump();
  } catch (const std::exception& e) {
    spdlog::debug("labels of container {} for its event: {}", container.id, e.what());
  }
  return event;
}

}  // namespace

void write_container(state::Database& db, const state::ContainerRecord& container,
                     std::string_view status, std::optional<int> exit_code) noexcept {
  write(db, container_event(container, status, exit_code));
}

void write_health_status(state::Database& db, const state::ContainerRecord& container,
                         std::string_view health) noexcept {
  write(db, container_event(container, "health_status", std::nullopt,
                            nlohmann::json{{"health_status", health}}));
}

void write_image(state::Database& db, std::string_view status, std::string_view id,
                 std::string_view name) noexcept {
  EventRecord event;
  event.type = "image";
  event.status = status;
  event.object_id = id;
  event.name = name;
  write(db, std::move(event));
}

void write_volume(state::Database& db, std::string_view status, std::string_view name) noexcept {
  EventRecord event;
  event.type = "volume";
  event.status = status;
  event.name = name;
  write(db, std::move(event));
}

namespace {

constexpr std::string_view kFilterKeys[] = {"container", "event", "image", "label", "pod",
                                            "type",      "volume", "since", "until"};

// An ID matches its full form or any prefix of it, a name only in full.
bool matches_id_or_name(const EventRecord& event, const std::string& value) {
  if (!value.empty() && event.object_id.starts_with(value)) return true;
  return event.name == value;
}

std::map<std::string, std::string> attributes_of(const EventRecord& event) {
  std::map<std::string, std::string> out;
  auto parsed = nlohmann::json::parse(event.attributes, nullptr, false);
  if (!parsed.is_object()) return out;
  for (const auto& [key, value] : parsed.items()) {
    out[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return out;
}

bool matches_one(const EventRecord& event, const std::string& key, const std::string& value) {
  if (key == "container") return event.type == "container" && matches_id_or_name(event, value);
  if (key == "event") {
    // Docker calls the exit of a container "die".
    return event.status == value || (value == "die" && event.status == "died");
  }
  if (key == "image") {
    if (event.type == "image") return matches_id_or_name(event, value);
    return event.type == "container" && event.image == value;
  }
  if (key == "label") {
    auto attributes = attributes_of(event);
    auto equals = value.find('=');
    auto found = attributes.find(value.substr(0, equals));
    if (found == attributes.end()) return false;
    return equals == std::string::npos || found->second == value.substr(equals + 1);
  }
  if (key == "pod") {
    if (event.type == "pod") return matches_id_or_name(event, value);
    return !event.pod_id.empty() && !value.empty() && event.pod_id.starts_with(value);
  }
  if (key == "type") return event.type == value;
  if (key == "volume") return event.type == "volume" && event.name == value;
  return false;
}

}  // namespace

Filter::Filter(const std::vector<std::string>& filters, const std::string& since,
               const std::string& until) {
  if (!since.empty()) since_ns_ = parse_time_or_duration(since);
  if (!until.empty()) until_ns_ = parse_time_or_duration(until);
  for (const auto& filter : filters) {
    auto equals = filter.find('=');
    if (equals == std::string::npos || equals == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": use KEY=VALUE, for example event=start",
           filter);
    }
    std::string key = filter.substr(0, equals);
    std::string value = filter.substr(equals + 1);
    if (std::find(std::begin(kFilterKeys), std::end(kFilterKeys), key) == std::end(kFilterKeys)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid filter \"{}\": the keys are container, event, image, label, pod, type, "
           "volume, since and until",
           filter);
    }
    if (key == "since") {
      since_ns_ = parse_time_or_duration(value);
      continue;
    }
    if (key == "until") {
      until_ns_ = parse_time_or_duration(value);
      continue;
    }
    auto slot = std::find_if(by_key_.begin(), by_key_.end(),
                             [&](const auto& entry) { return entry.first == key; });
    if (slot == by_key_.end()) {
      by_key_.push_back({key, {value}});
    } else {
      slot->second.push_back(value);
    }
  }
}

bool Filter::matches(const EventRecord& event) const {
  if (since_ns_ && event.time_ns < *since_ns_) return false;
  if (until_ns_ && event.time_ns > *until_ns_) return false;
  for (const auto& [key, values] : by_key_) {
    bool any = std::any_of(values.begin(), values.end(),
                           [&](const std::string& value) { return matches_one(event, key, value); });
    if (!any) return false;
  }
  return true;
}

std::string human_readable(const EventRecord& event, bool truncate) {
  std::string id = event.object_id;
  if (truncate && id.size() > 12) id.resize(12);
  std::string time = go_time_string(event.time_ns);
  if (event.type == "container" || event.type == "pod") {
    std::string line = fmt::format("{} {} {} {} (image={}, name={}", time, event.type,
                                   event.status, id, event.image, event.name);
    if (!event.pod_id.empty()) line += ", pod_id=" + event.pod_id;
    for (const auto& [key, value] : attributes_of(event)) line += ", " + key + "=" + value;
    return line + ")";
  }
  if (event.type == "image") {
    return fmt::format("{} {} {} {} {}", time, event.type, event.status, id, event.name);
  }
  if (event.type == "system") return fmt::format("{} {} {}", time, event.type, event.status);
  return fmt::format("{} {} {} {}", time, event.type, event.status, event.name);
}

nlohmann::ordered_json to_json(const EventRecord& event) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (event.exit_code) out["ContainerExitCode"] = *event.exit_code;
  if (!event.object_id.empty()) out["ID"] = event.object_id;
  if (!event.image.empty()) out["Image"] = event.image;
  if (!event.name.empty()) out["Name"] = event.name;
  out["Status"] = event.status;
  out["time"] = event.time_ns / 1'000'000'000;
  out["timeNano"] = event.time_ns;
  out["Type"] = event.type;
  if (!event.pod_id.empty()) out["PodID"] = event.pod_id;
  auto attributes = attributes_of(event);
  // Podman's JSON has a health check's result beside the attributes.
  if (auto health = attributes.find("health_status"); health != attributes.end()) {
    out["health_status"] = health->second;
    attributes.erase(health);
  }
  if (!attributes.empty()) out["Attributes"] = attributes;
  return out;
}

nlohmann::json template_value(const EventRecord& event) {
  auto attributes = attributes_of(event);
  std::string health;
  if (auto found = attributes.find("health_status"); found != attributes.end()) {
    health = found->second;
  }
  return {
      {"ID", event.object_id},
      {"Name", event.name},
      {"Image", event.image},
      {"Status", event.status},
      {"Type", event.type},
      {"Time", event.time_ns / 1'000'000'000},
      {"TimeNano", event.time_ns},
      {"Attributes", attributes},
      {"ContainerExitCode", event.exit_code.value_or(0)},
      {"PodID", event.pod_id},
      {"HealthStatus", health},
      {"Network", ""},
      {"Error", ""},
  };
}

}  // namespace berth::events
