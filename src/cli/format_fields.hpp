#pragma once

// Helpers that the --format fields of several commands share.

#include <cstdint>
#include <string>

namespace berth::cli {

// Formats a time as Go's time.Time.String() does in the local time zone:
// "2024-01-01 10:00:00.123456789 +0100 CET", trailing zeros of the
// fraction dropped. 0 prints Go's zero time.
std::string go_time_string(std::int64_t ns);

}  // namespace berth::cli
