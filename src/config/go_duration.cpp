#include "config/go_duration.hpp"

#include <array>
#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace berth::config {

namespace {

struct Unit {
  std::string_view name;
  std::int64_t ns;
};

constexpr std::array<Unit, 7> kUnits = {{{"ns", 1},
                                         {"us", 1'000},
                                         {"\u00b5s", 1'000},
                                         {"ms", 1'000'000},
                                         {"s", 1'000'000'000},
                                         {"m", 60'000'000'000},
                                         {"h", 3'600'000'000'000}}};

[[noreturn]] void fail_duration(std::string_view text) {
  fail(ErrorCode::kInvalidArgument, "time: invalid duration \"{}\"", text);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Formats the fraction of value / scale without trailing zeros, such as
// ".5" for 1500 / 1000; "" when there is none.
std::string fraction(std::int64_t value, std::int64_t scale) {
  std::int64_t rest = value % scale;
  if (rest == 0) return "";
  std::string digits;
  for (std::int64_t step = scale / 10; step > 0; step /= 10) {
    digits.push_back(static_cast<char>('0' + rest / step));
    rest %= step;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return "." + digits;
}

}  // namespace

std::int64_t parse_go_duration(std::string_view text) {
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);
  if (rest == "0") return 0;
  if (rest.empty()) fail_duration(text);
  long double total = 0;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() && (is_digit(rest[digits]) || rest[digits] == '.')) ++digits;
    std::string number(rest.substr(0, digits));
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) {
      fail_duration(text);
    }
    rest.remove_prefix(digits);
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      // "ms" must win over "m", so a longer name is tried where it matches.
      if (rest.starts_with(candidate.name) &&
          (unit == nullptr || candidate.name.size() > unit->name.size())) {
        unit = &candidate;
      }
    }
    if (unit == nullptr) fail_duration(text);
    rest.remove_prefix(unit->name.size());
    total += std::stold(number) * static_cast<long double>(unit->ns);
  }
  if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
    fail_duration(text);
  }
  return static_cast<std::int64_t>(std::llround(static_cast<double>(total)));
}

std::string format_go_duration(std::int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  std::int64_t value = ns < 0 ? -ns : ns;
  if (value < 1'000) return sign + std::to_string(value) + "ns";
  if (value < 1'000'000) return sign + std::to_string(value / 1'000) + fraction(value, 1'000) + "\u00b5s";
  if (value < 1'000'000'000) {
    return sign + std::to_string(value / 1'000'000) + fraction(value, 1'000'000) + "ms";
  }
  std::int64_t hours = value / 3'600'000'000'000;
  std::int64_t minutes = value / 60'000'000'000 % 60;
  std::int64_t seconds_ns = value % 60'000'000'000;
  std::string seconds = std::to_string(seconds_ns / 1'000'000'000) +
                        fraction(seconds_ns, 1'000'000'000) + "s";
  if (hours > 0) return sign + std::to_string(hours) + "h" + std::to_string(minutes) + "m" + seconds;
  if (minutes > 0) return sign + std::to_string(minutes) + "m" + seconds;
  return sign + seconds;
}

}  // namespace berth::config
