#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

// Nanoseconds since the Unix epoch, from CLOCK_REALTIME.
std::int64_t now_ns();

// Formats as RFC 3339 with nanoseconds in UTC: "2024-01-01T00:00:00.123456789Z".
std::string format_rfc3339_nano(std::int64_t ns);

// Parses RFC 3339 (fractional seconds and a Z or ±hh:mm offset optional).
// Throws Error{kInvalidArgument} naming the value when it does not parse.
std::int64_t parse_rfc3339(std::string_view text);

// Formats a time as Go's time.Time.String() does in the local time zone:
// "2024-01-01 10:00:00.123456789 +0100 CET", trailing zeros of the
// fraction dropped. 0 prints Go's zero time.
std::string go_time_string(std::int64_t ns);

// Formats a past duration like Go's units.HumanDuration, as Podman prints it
// in CREATED and STATUS: "Less than a second", "3 seconds", "About a minute",
// "5 minutes", "About an hour", "2 hours", "3 days", "2 weeks", "4 months",
// "2 years".
std::string human_duration(std::int64_t ns);

// Parses a --since/--until value: RFC 3339, a Unix timestamp, or a Go
// duration ("10m", "1h30m") taken as that long before now_ns.
std::int64_t parse_time_or_duration(std::string_view text);

}  // namespace berth
