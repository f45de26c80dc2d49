#include "format/table.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace berth::format {

namespace {
constexpr std::size_t kMinWidth = 12;
constexpr std::size_t kPadding = 2;

// Display width of UTF-8 text: code points, not bytes.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xc0) != 0x80) ++width;
  }
  return width;
}
}  // namespace

std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i + 1 < row.size(); ++i) {
      widths[i] = std::max(widths[i], std::max(display_width(row[i]) + kPadding, kMinWidth));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - display_width(row[i]), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string human_size(double bytes) {
  static constexpr std::array<const char*, 9> kUnits = {"B",  "kB", "MB", "GB", "TB",
                                                        "PB", "EB", "ZB", "YB"};
  std::size_t unit = 0;
  while (bytes >= 1000.0 && unit + 1 < kUnits.size()) {
    bytes /= 1000.0;
    ++unit;
  }
  // %.3g keeps three significant digits, as Go's 'g' format with precision 3.
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g %s", bytes, kUnits[unit]);
  return buffer;
}

}  // namespace berth::format
