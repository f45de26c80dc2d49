#include "format/tree.hpp"

#include <gtest/gtest.h>

namespace berth::format {
namespace {

TEST(RenderTree, FlatList) {
  std::string out = render_tree({{"a", {}}, {"b", {}}, {"c", {}}});
  EXPECT_EQ(out,
            "├── a\n"
            "├── b\n"
            "└── c\n");
}

TEST(RenderTree, NestedUnderMiddleAndLast) {
  std::vector<TreeNode> nodes = {
      {"root", {{"x", {{"x1", {}}, {"x2", {}}}}, {"y", {{"y1", {}}}}}},
  };
  EXPECT_EQ(render_tree(nodes),
            "└── root\n"
            "    ├── x\n"
            "    │   ├── x1\n"
            "    │   └── x2\n"
            "    └── y\n"
            "        └── y1\n");
}

TEST(RenderTree, EmptyIsEmpty) { EXPECT_EQ(render_tree({}), ""); }

TEST(HumanSizeUnspaced, MatchesPodmanTree) {
  EXPECT_EQ(human_size_unspaced(2153690, 4), "2.154MB");
  EXPECT_EQ(human_size_unspaced(2127360, 4), "2.127MB");
  EXPECT_EQ(human_size_unspaced(15360, 4), "15.36kB");
  EXPECT_EQ(human_size_unspaced(5120, 4), "5.12kB");
  EXPECT_EQ(human_size_unspaced(3072, 4), "3.072kB");
  EXPECT_EQ(human_size_unspaced(512, 4), "512B");
  EXPECT_EQ(human_size_unspaced(0, 4), "0B");
}

TEST(BinarySizeUnspaced, GoBytesSize) {
  EXPECT_EQ(binary_size_unspaced(0), "0B");
  EXPECT_EQ(binary_size_unspaced(520192), "508KiB");
  EXPECT_EQ(binary_size_unspaced(25275890483.0), "23.54GiB");
}

}  // namespace
}  // namespace berth::format
