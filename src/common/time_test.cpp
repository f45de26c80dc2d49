#include "common/time.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

#include <cstdlib>
#include <ctime>

namespace berth {
namespace {

class GoTimeString : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

TEST_F(GoTimeString, TrimsTrailingZerosOfFraction) {
  EXPECT_EQ(go_time_string(1'700'000'000'123'450'000), "2023-11-14 22:13:20.12345 +0000 UTC");
}

TEST_F(GoTimeString, OmitsZeroFraction) {
  EXPECT_EQ(go_time_string(1'700'000'000'000'000'000), "2023-11-14 22:13:20 +0000 UTC");
}

TEST_F(GoTimeString, ZeroIsGoZeroTime) {
  EXPECT_EQ(go_time_string(0), "0001-01-01 00:00:00 +0000 UTC");
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

class ParseTimeOrDuration : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

TEST_F(ParseTimeOrDuration, AcceptsPodmanDateForms) {
  constexpr std::int64_t kMidnight = 1'764'892'800'000'000'000;  // 2025-12-05T00:00:00Z
  EXPECT_EQ(parse_time_or_duration("2025-12-05"), kMidnight);
  EXPECT_EQ(parse_time_or_duration("2025-12-05T00:00:00"), kMidnight);
  EXPECT_EQ(parse_time_or_duration("2025-12-05T00:00:00.5"), kMidnight + 500'000'000);
  EXPECT_EQ(parse_time_or_duration("2025-12-05Z"), kMidnight);
  EXPECT_EQ(parse_time_or_duration("2025-12-05+01:00"), kMidnight - 3'600'000'000'000);
  EXPECT_EQ(parse_time_or_duration("2025-12-05T01:00:00+01:00"), kMidnight);
  EXPECT_EQ(parse_time_or_duration("1764892800"), kMidnight);
  // Docker's clients send SECONDS.NANOSECONDS.
  EXPECT_EQ(parse_time_or_duration("1764892800.000000001"), kMidnight + 1);
  EXPECT_EQ(parse_time_or_duration("1764892800.5"), kMidnight + 500'000'000);
}

TEST_F(ParseTimeOrDuration, RejectsMalformedDates) {
  for (const char* bad : {"2025-12-5", "2025-12-05T1", "2025-12-05X", "2025-12-05T00:00:00.",
                          "2025-12-05T00:00:00Q", "yesterday", "1764892800.", ".5",
                          "1764892800.0000000001", "1764892800.5x"}) {
    EXPECT_THROW(parse_time_or_duration(bad), Error) << bad;
  }
}

}  // namespace
}  // namespace berth
