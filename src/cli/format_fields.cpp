#include "cli/format_fields.hpp"

#include <ctime>

#include <fmt/format.h>

namespace berth::cli {

std::string go_time_string(std::int64_t ns) {
  if (ns == 0) return "0001-01-01 00:00:00 +0000 UTC";
  time_t seconds = static_cast<time_t>(ns / 1'000'000'000);
  std::int64_t fraction = ns % 1'000'000'000;
  tm local{};
  localtime_r(&seconds, &local);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &local);
  std::string text = date;
  if (fraction != 0) {
    std::string digits = fmt::format("{:09}", fraction);
    while (digits.back() == '0') digits.pop_back();
    text += "." + digits;
  }
  long offset = local.tm_gmtoff;
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  text += fmt::format(" {}{:02}{:02} {}", sign, offset / 3600, (offset / 60) % 60,
                      local.tm_zone != nullptr ? local.tm_zone : "UTC");
  return text;
}

}  // namespace berth::cli
