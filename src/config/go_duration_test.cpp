#include "config/go_duration.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::config {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000 * kMs;

TEST(GoDuration, ParsesUnitsAndSums) {
  EXPECT_EQ(parse_go_duration("0"), 0);
  EXPECT_EQ(parse_go_duration("300ms"), 300 * kMs);
  EXPECT_EQ(parse_go_duration("2s"), 2 * kSecond);
  EXPECT_EQ(parse_go_duration("1.5s"), 1500 * kMs);
  EXPECT_EQ(parse_go_duration("1m30s"), 90 * kSecond);
  EXPECT_EQ(parse_go_duration("1h"), 3600 * kSecond);
  EXPECT_EQ(parse_go_duration("10us"), 10'000);
  EXPECT_EQ(parse_go_duration("7ns"), 7);
}

TEST(GoDuration, RejectsInvalidText) {
  for (const char* text : {"", "foobar", "5", "1x", "s", "-1s", "1..5s", "1s5"}) {
    try {
      parse_go_duration(text);
      FAIL() << "accepted \"" << text << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(std::string(e.what()), fmt::format("time: invalid duration \"{}\"", text));
    }
  }
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(format_go_duration(0), "0s");
  EXPECT_EQ(format_go_duration(500 * kMs), "500ms");
  EXPECT_EQ(format_go_duration(1 * kSecond), "1s");
  EXPECT_EQ(format_go_duration(1500 * kMs), "1.5s");
  EXPECT_EQ(format_go_duration(90 * kSecond), "1m30s");
  EXPECT_EQ(format_go_duration(3600 * kSecond), "1h0m0s");
  EXPECT_EQ(format_go_duration(1'500), "1.5\u00b5s");
}

}  // namespace
}  // namespace berth::config
