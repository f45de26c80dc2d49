#include "engine/image_tree_text.hpp"

#include <fmt/format.h>

#include "format/tree.hpp"

namespace berth::engine {

namespace {

std::string tree_line(const ImageTreeLayer& layer) {
  std::string text = fmt::format("ID: {} Size: {:>7}", layer.id.substr(0, 12),
                                 format::human_size_unspaced(static_cast<double>(layer.size), 4));
  if (!layer.top_layer_of.empty()) text += " Top Layer of: " + format::go_list(layer.top_layer_of);
  return text;
}

// Adds the descendants of layer to level, the list that contains layer's
// own line, as Podman 4.3 draws them. Every child's line goes to level. The
// descendants of the last child follow on level too, and those of any other
// child go below that child's line.
void add_tree_children(const ImageTreeLayer& layer, std::vector<format::TreeNode>& level) {
  for (std::size_t i = 0; i < layer.children.size(); ++i) {
    const auto& child = layer.children[i];
    level.push_back({tree_line(child), {}});
    if (i + 1 < layer.children.size()) {
      add_tree_children(child, level.back().children);
    } else {
      add_tree_children(child, level);
    }
  }
}

}  // namespace

std::string image_tree_text(const ImageTreeReport& report) {
  std::vector<format::TreeNode> nodes;
  for (const auto& layer : report.layers) {
    nodes.push_back({tree_line(layer), {}});
    add_tree_children(layer, nodes);
  }
  return fmt::format("Image ID: {}\nTags:     {}\nSize:     {}\nImage Layers\n{}",
                     report.id.substr(0, 12), format::go_list(report.names),
                     format::human_size_unspaced(static_cast<double>(report.size), 4),
                     format::render_tree(nodes));
}

}  // namespace berth::engine
