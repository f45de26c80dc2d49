#include "engine/remote_json.hpp"

#include <gtest/gtest.h>

namespace berth::engine::remote {
namespace {

TEST(JsonLines, JoinsLinesSplitAcrossPieces) {
  std::vector<std::string> seen;
  JsonLines lines([&](const nlohmann::json& line) {
    seen.push_back(line.value("stream", ""));
    return true;
  });
  EXPECT_TRUE(lines.feed("{\"stream\":\"a\"}\n{\"str"));
  EXPECT_EQ(seen, std::vector<std::string>{"a"});
  EXPECT_TRUE(lines.feed("eam\":\"b\"}\n"));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(JsonLines, SkipsLinesThatAreNotObjects) {
  int count = 0;
  JsonLines lines([&](const nlohmann::json&) {
    ++count;
    return true;
  });
  EXPECT_TRUE(lines.feed("not json\n[1]\n\n{\"id\":\"x\"}\n"));
  EXPECT_EQ(count, 1);
}

TEST(JsonLines, StopsWhenTheCallbackDeclines) {
  int count = 0;
  JsonLines lines([&](const nlohmann::json&) { return ++count < 2; });
  EXPECT_FALSE(lines.feed("{}\n{}\n{}\n"));
  EXPECT_EQ(count, 2);
}

}  // namespace
}  // namespace berth::engine::remote
