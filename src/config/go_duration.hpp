#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::config {

// Parses a duration as Go's time.ParseDuration does, the form Podman takes
// for --retry-delay and containers.conf: a sequence of decimal numbers with
// units ns, us (or µs), ms, s, m and h, such as "300ms", "1.5s" or "1h2m";
// "0" alone is zero. Returns nanoseconds. Throws Error{kInvalidArgument}
// with Go's wording, `time: invalid duration "x"`, for anything else,
// negative durations included.
std::int64_t parse_go_duration(std::string_view text);

// Formats nanoseconds as Go's Duration.String does: "0s", "500ms", "2s",
// "1m30s", "1h0m0s".
std::string format_go_duration(std::int64_t ns);

}  // namespace berth::config
