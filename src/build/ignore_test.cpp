#include "build/ignore.hpp"

#include <gtest/gtest.h>

namespace berth::build {
namespace {

TEST(IgnoreTest, PatternsAndExceptions) {
  IgnoreRules rules("# comment\n*.log\n/secret\nbuild/**\n!build/keep.txt\n**/*.tmp\n");
  EXPECT_TRUE(rules.excluded("a.log"));
  EXPECT_FALSE(rules.excluded("dir/a.log"));
  EXPECT_TRUE(rules.excluded("secret"));
  EXPECT_TRUE(rules.excluded("secret/inner/file"));
  EXPECT_TRUE(rules.excluded("build/out.o"));
  EXPECT_FALSE(rules.excluded("build/keep.txt"));
  EXPECT_TRUE(rules.excluded("x/y/z.tmp"));
  EXPECT_TRUE(rules.excluded("z.tmp"));
  EXPECT_FALSE(rules.excluded("src/main.c"));
}

TEST(IgnoreTest, MatchPathPattern) {
  EXPECT_TRUE(match_path_pattern("/src/*.c", "/src/a.c"));
  EXPECT_FALSE(match_path_pattern("/src/*.c", "/src/sub/a.c"));
  EXPECT_TRUE(match_path_pattern("**/a.c", "src/sub/a.c"));
  EXPECT_TRUE(match_path_pattern("f?le[0-9]", "file7"));
}

TEST(IgnoreTest, EmptyRules) {
  IgnoreRules rules;
  EXPECT_TRUE(rules.empty());
  EXPECT_FALSE(rules.excluded("anything"));
}

}  // namespace
}  // namespace berth::build
