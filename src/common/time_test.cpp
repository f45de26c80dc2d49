#include "common/time.hpp"

#include <gtest/gtest.h>

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
