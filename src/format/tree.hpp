#pragma once

#include <string>
#include <vector>

namespace berth::format {

// One line of a tree and the lines nested under it.
struct TreeNode {
  std::string text;
  std::vector<TreeNode> children;
};

// Draws nodes as the items of a tree, one line each, the way Podman's
// `image tree` does. An item with a sibling after it starts with "├── " and
// the last one with "└── ". Nested items are indented by "│   " under an
// item with a later sibling and by four spaces under the last one.
std::string render_tree(const std::vector<TreeNode>& nodes);

// Formats a byte count like Go's units.HumanSizeWithPrecision, which
// `image tree` uses: decimal units with no space, "2.154MB", "5.12kB",
// "512B".
std::string human_size_unspaced(double bytes, int precision);

// Formats a byte count like Go's units.BytesSize, which `stats` uses:
// binary units with four significant digits and no space, "508KiB",
// "23.54GiB".
std::string binary_size_unspaced(double bytes);

// Formats a list like Go's fmt does for a []string: "[a b]".
std::string go_list(const std::vector<std::string>& items);

}  // namespace berth::format
