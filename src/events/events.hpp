#pragma once

// The event log: what berth commands record as they change containers,
// images and volumes, and how `events` filters and prints it. Events are
// rows of the state database, so every berth process reads the others'.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "state/database.hpp"

namespace berth::events {

using state::EventRecord;

// Entries kept in the log. Older ones are deleted as new ones arrive, the
// way Podman rotates its events file at events_logfile_max_size (1 MB by
// default). An entry takes about 300 bytes, so this is a few MB.
inline constexpr std::int64_t kMaxEvents = 10'000;

// Appends event to the log, stamped with the current time when time_ns is
// 0. A failure is logged as a warning and never thrown: an operation must
// not fail because its event could not be written.
void write(state::Database& db, EventRecord event) noexcept;

// Records a container event with the container's ID, name, image name and
// labels (as attributes); exit_code belongs to died and exec_died.
void write_container(state::Database& db, const state::ContainerRecord& container,
                     std::string_view status, std::optional<int> exit_code = std::nullopt) noexcept;

// Records the result of a health check as Podman does: a container event
// health_status whose health_status attribute is healthy, unhealthy or
// starting.
void write_health_status(state::Database& db, const state::ContainerRecord& container,
                         std::string_view health) noexcept;

// Records an image event: id is the image ID, name the reference the
// operation used ("" when it had none).
void write_image(state::Database& db, std::string_view status, std::string_view id,
                 std::string_view name) noexcept;

// Records a volume event for the volume name.
void write_volume(state::Database& db, std::string_view status, std::string_view name) noexcept;

// The --filter, --since and --until options of `events`. Values of one
// filter key match when any matches; different keys must all match.
class Filter {
 public:
  // Parses "key=value" filters (container, event, image, label, pod, type,
  // volume, since, until) and the --since/--until values (times or
  // durations, as logs --since). Throws Error{kInvalidArgument} naming a
  // bad filter or time.
  Filter(const std::vector<std::string>& filters, const std::string& since,
         const std::string& until);

  bool matches(const EventRecord& event) const;

  std::optional<std::int64_t> since_ns() const { return since_ns_; }
  std::optional<std::int64_t> until_ns() const { return until_ns_; }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> by_key_;
  std::optional<std::int64_t> since_ns_;
  std::optional<std::int64_t> until_ns_;
};

// Formats event as Podman's plain `events` line, without a newline. With
// truncate, container and image IDs are cut to 12 characters.
std::string human_readable(const EventRecord& event, bool truncate);

// Returns event as Podman 5 prints it with --format json: Go field names,
// "time" in seconds and "timeNano" in nanoseconds, empty fields left out.
nlohmann::ordered_json to_json(const EventRecord& event);

// Returns the value --format templates render: ID, Name, Image, Status,
// Type, Time (seconds), TimeNano, Attributes, ContainerExitCode, PodID,
// HealthStatus, Network and Error.
nlohmann::json template_value(const EventRecord& event);

}  // namespace berth::events
