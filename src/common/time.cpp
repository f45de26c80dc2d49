#include "common/time.hpp"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <optional>

#include <fmt/format.h>

#include "common/error.hpp"

namespace berth {

std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string format_rfc3339_nano(std::int64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  long frac = static_cast<long>(ns % 1'000'000'000);
  tm t;
  gmtime_r(&secs, &t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, frac);
}

namespace {
bool read_int(std::string_view& s, std::size_t digits, int& out) {
  if (s.size() < digits) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + digits, out);
  if (ec != std::errc() || ptr != s.data() + digits) return false;
  s.remove_prefix(digits);
  return true;
}
bool expect(std::string_view& s, char c) {
  if (s.empty() || (s[0] != c && !(c == 'T' && (s[0] == 't' || s[0] == ' ')))) return false;
  s.remove_prefix(1);
  return true;
}
}  // namespace

std::int64_t parse_rfc3339(std::string_view text) {
  std::string_view s = text;
  int year, month, day, hour, minute, second;
  bool ok = read_int(s, 4, year) && expect(s, '-') && read_int(s, 2, month) && expect(s, '-') &&
            read_int(s, 2, day) && expect(s, 'T') && read_int(s, 2, hour) && expect(s, ':') &&
            read_int(s, 2, minute) && expect(s, ':') && read_int(s, 2, second);
  std::int64_t frac_ns = 0;
  if (ok && !s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    std::int64_t scale = 100'000'000;
    std::size_t n = 0;
    while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
      if (scale > 0) frac_ns += (s[0] - '0') * scale;
      scale /= 10;
      s.remove_prefix(1);
      ++n;
    }
    ok = n > 0;
  }
  std::int64_t offset = 0;
  if (ok && !s.empty() && (s[0] == 'Z' || s[0] == 'z')) {
    s.remove_prefix(1);
  } else if (ok && !s.empty() && (s[0] == '+' || s[0] == '-')) {
    int sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh, om;
    ok = read_int(s, 2, oh) && expect(s, ':') && read_int(s, 2, om);
    offset = sign * (oh * 3600 + om * 60);
  } else {
    ok = false;
  }
  if (!ok || !s.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid timestamp \"{}\": expected RFC 3339", text);
  }
  tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  std::int64_t secs = timegm(&t) - offset;
  return secs * 1'000'000'000 + frac_ns;
}

namespace {

// Parses the date forms Podman takes for --since and --until: RFC 3339, a
// date and time without a zone (local time), a date with a zone
// ("2006-01-02Z07:00"), or a date alone (local midnight).
std::optional<std::int64_t> parse_date_time(std::string_view text) {
  std::string_view s = text;
  int year, month, day;
  if (!(read_int(s, 4, year) && expect(s, '-') && read_int(s, 2, month) && expect(s, '-') &&
        read_int(s, 2, day))) {
    return std::nullopt;
  }
  tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_isdst = -1;
  std::int64_t frac_ns = 0;
  if (!s.empty() && s[0] == 'T') {
    s.remove_prefix(1);
    if (!(read_int(s, 2, t.tm_hour) && expect(s, ':') && read_int(s, 2, t.tm_min) &&
          expect(s, ':') && read_int(s, 2, t.tm_sec))) {
      return std::nullopt;
    }
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      std::int64_t scale = 100'000'000;
      std::size_t digits = 0;
      while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
        frac_ns += (s[0] - '0') * scale;
        scale /= 10;
        s.remove_prefix(1);
        ++digits;
      }
      if (digits == 0 || digits > 9) return std::nullopt;
    }
    if (!s.empty()) {
      try {
        return parse_rfc3339(text);
      } catch (const Error&) {
        return std::nullopt;
      }
    }
    return static_cast<std::int64_t>(mktime(&t)) * 1'000'000'000 + frac_ns;
  }
  if (s.empty()) return static_cast<std::int64_t>(mktime(&t)) * 1'000'000'000;
  // A date with a zone: Z, or +hh:mm / -hh:mm.
  std::int64_t offset = 0;
  if (s == "Z" || s == "z") {
    s.remove_prefix(1);
  } else if (s[0] == '+' || s[0] == '-') {
    int sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int hours, minutes;
    if (!(read_int(s, 2, hours) && expect(s, ':') && read_int(s, 2, minutes))) return std::nullopt;
    offset = sign * (hours * 3600 + minutes * 60);
  }
  if (!s.empty()) return std::nullopt;
  return (static_cast<std::int64_t>(timegm(&t)) - offset) * 1'000'000'000;
}

}  // namespace

std::string human_duration(std::int64_t ns) {
  std::int64_t seconds = ns / 1'000'000'000;
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return fmt::format("{} seconds", seconds);
  std::int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return fmt::format("{} minutes", minutes);
  std::int64_t hours = (minutes + 30) / 60;
  if (hours == 1) return "About an hour";
  if (hours < 48) return fmt::format("{} hours", hours);
  if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
  if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
  if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
  return fmt::format("{} years", hours / 24 / 365);
}

std::int64_t parse_time_or_duration(std::string_view text) {
  if (text.empty()) fail(ErrorCode::kInvalidArgument, "invalid time \"\": value is empty");
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    std::int64_t secs = 0;
    std::from_chars(text.data(), text.data() + text.size(), secs);
    return secs * 1'000'000'000;
  }
  // SECONDS.FRACTION, the form Docker's clients send for --since and
  // --until: up to nine digits of fraction.
  if (auto dot = text.find('.'); dot != std::string_view::npos && dot > 0 &&
                                 text.size() - dot - 1 <= 9 && text.size() > dot + 1) {
    auto digits = [](std::string_view part) {
      return std::all_of(part.begin(), part.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    std::string_view whole = text.substr(0, dot);
    std::string_view fraction = text.substr(dot + 1);
    if (digits(whole) && digits(fraction)) {
      std::int64_t secs = 0;
      std::int64_t nanos = 0;
      std::from_chars(whole.data(), whole.data() + whole.size(), secs);
      std::from_chars(fraction.data(), fraction.data() + fraction.size(), nanos);
      for (std::size_t i = fraction.size(); i < 9; ++i) nanos *= 10;
      return secs * 1'000'000'000 + nanos;
    }
  }
  if (text.size() >= 10 && text[4] == '-') {
    if (auto ns = parse_date_time(text)) return *ns;
    fail(ErrorCode::kInvalidArgument,
         "invalid time \"{}\": use RFC 3339, a date (2006-01-02), a local time "
         "(2006-01-02T15:04:05), a Unix timestamp or a duration such as 10m",
         text);
  }
  // Go duration: sequence of number+unit.
  std::int64_t total = 0;
  std::string_view s = text;
  while (!s.empty()) {
    double value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc()) break;
    s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
    std::int64_t unit = 0;
    if (s.starts_with("ms")) {
      unit = 1'000'000, s.remove_prefix(2);
    } else if (s.starts_with("h")) {
      unit = 3600'000'000'000, s.remove_prefix(1);
    } else if (s.starts_with("m")) {
      unit = 60'000'000'000, s.remove_prefix(1);
    } else if (s.starts_with("s")) {
      unit = 1'000'000'000, s.remove_prefix(1);
    } else {
      break;
    }
    total += static_cast<std::int64_t>(value * static_cast<double>(unit));
    if (s.empty()) return now_ns() - total;
  }
  fail(ErrorCode::kInvalidArgument,
       "invalid time \"{}\": use RFC 3339, a Unix timestamp or a duration such as 10m", text);
}

std::string go_time_string(std::int64_t ns) {
  if (ns == 0) return "0001-01-01 00:00:00 +0000 UTC";
  time_t seconds = static_cast<time_t>(ns / 1'000'000'000);
  std::int64_t fraction = ns % 1'000'000'000;
  if (fraction < 0) {
    fraction += 1'000'000'000;
    --seconds;
  }
  struct tm local {};
  ::localtime_r(&seconds, &local);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &local);
  std::string out = date;
  if (fraction != 0) {
    std::string digits = fmt::format("{:09d}", fraction);
    digits.erase(digits.find_last_not_of('0') + 1);
    out += "." + digits;
  }
  long offset = local.tm_gmtoff;
  char sign = offset < 0 ? '-' : '+';
  offset = offset < 0 ? -offset : offset;
  out += fmt::format(" {}{:02d}{:02d} {}", sign, offset / 3600, offset % 3600 / 60,
                     local.tm_zone != nullptr ? local.tm_zone : "UTC");
  return out;
}

}  // namespace berth
