#include "format/tree.hpp"

#include <array>
#include <cstdio>

namespace berth::format {

namespace {

void render_items(const std::vector<TreeNode>& nodes, const std::string& prefix,
                  std::string& out) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    bool last = i + 1 == nodes.size();
    out += prefix;
    out += last ? "└── " : "├── ";
    out += nodes[i].text;
    out += '\n';
    render_items(nodes[i].children, prefix + (last ? "    " : "│   "), out);
  }
}

}  // namespace

std::string render_tree(const std::vector<TreeNode>& nodes) {
  std::string out;
  render_items(nodes, "", out);
  return out;
}

std::string human_size_unspaced(double bytes, int precision) {
  static constexpr std::array<const char*, 9> kUnits = {"B",  "kB", "MB", "GB", "TB",
                                                        "PB", "EB", "ZB", "YB"};
  std::size_t unit = 0;
  while (bytes >= 1000.0 && unit + 1 < kUnits.size()) {
    bytes /= 1000.0;
    ++unit;
  }
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*g%s", precision, bytes, kUnits[unit]);
  return buffer;
}

std::string binary_size_unspaced(double bytes) {
  static constexpr std::array<const char*, 6> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t unit = 0;
  while (bytes >= 1024.0 && unit + 1 < kUnits.size()) {
    bytes /= 1024.0;
    ++unit;
  }
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.4g%s", bytes, kUnits[unit]);
  return buffer;
}

std::string go_list(const std::vector<std::string>& items) {
  std::string text = "[";
  for (std::size_t i = 0; i < items.size(); ++i) text += (i ? " " : "") + items[i];
  return text + "]";
}

}  // namespace berth::format
