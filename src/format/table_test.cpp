#include "format/table.hpp"

#include <gtest/gtest.h>

namespace berth::format {
namespace {

TEST(RenderTable, PadsToMinimumWidth) {
  std::string out = render_table({{"REPOSITORY", "TAG", "SIZE"}, {"a", "latest", "1 kB"}});
  EXPECT_EQ(out,
            "REPOSITORY  TAG         SIZE\n"
            "a           latest      1 kB\n");
}

TEST(RenderTable, WideCellsGetTwoSpaces) {
  std::string out = render_table({{"127.0.0.1:5000/busybox", "x"}});
  EXPECT_EQ(out, "127.0.0.1:5000/busybox  x\n");
}

TEST(HumanSize, DecimalUnits) {
  EXPECT_EQ(human_size(512), "512 B");
  EXPECT_EQ(human_size(1234), "1.23 kB");
  EXPECT_EQ(human_size(4270000), "4.27 MB");
  EXPECT_EQ(human_size(150000000), "150 MB");
}

}  // namespace
}  // namespace berth::format
