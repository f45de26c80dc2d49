#include "network/ip_range.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::network {
namespace {

ErrorCode lease_range_error(std::string_view ip_range) {
  try {
    lease_range_of(ip_range);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

TEST(LeaseRangeOf, CidrSpansFirstHostToLastAddress) {
  EXPECT_EQ(lease_range_of("10.89.0.128/25"), (LeaseRange{"10.89.0.129", "10.89.0.255"}));
  EXPECT_EQ(lease_range_of("10.89.0.0/24"), (LeaseRange{"10.89.0.1", "10.89.0.255"}));
}

TEST(LeaseRangeOf, StartEndForm) {
  EXPECT_EQ(lease_range_of("10.89.0.10-10.89.0.20"), (LeaseRange{"10.89.0.10", "10.89.0.20"}));
  EXPECT_EQ(lease_range_of("10.89.0.7-10.89.0.7"), (LeaseRange{"10.89.0.7", "10.89.0.7"}));
}

TEST(LeaseRangeOf, RejectsMalformed) {
  for (const char* text : {"", "10.89.0.0", "10.89.0.1/24", "10.89.0.10-", "-10.89.0.1",
                           "10.89.0.10-x", "10.89.0.20-10.89.0.10"}) {
    EXPECT_EQ(lease_range_error(text), ErrorCode::kInvalidArgument) << text;
  }
}

TEST(IpRangeOf, CidrShapedRangeGivesCidr) {
  EXPECT_EQ(ip_range_of({"10.89.0.129", "10.89.0.255"}), "10.89.0.128/25");
  EXPECT_EQ(ip_range_of({"10.89.0.1", "10.89.255.255"}), "10.89.0.0/16");
}

TEST(IpRangeOf, OtherRangeGivesStartEnd) {
  EXPECT_EQ(ip_range_of({"10.89.0.10", "10.89.0.20"}), "10.89.0.10-10.89.0.20");
  // Aligned size but not starting at the first host.
  EXPECT_EQ(ip_range_of({"10.89.0.128", "10.89.0.255"}), "10.89.0.128-10.89.0.255");
}

TEST(IpRangeOf, RoundTripsThroughLeaseRangeOf) {
  for (const char* text : {"10.89.0.128/25", "10.89.0.5/32", "10.89.0.10-10.89.0.20"}) {
    EXPECT_EQ(ip_range_of(lease_range_of(text)), text);
  }
}

TEST(IpRangeOf, RejectsOpenOrMalformedRange) {
  EXPECT_THROW(ip_range_of({"", "10.89.0.20"}), Error);
  EXPECT_THROW(ip_range_of({"10.89.0.10", ""}), Error);
  EXPECT_THROW(ip_range_of({"10.89.0.10", "nope"}), Error);
}

}  // namespace
}  // namespace berth::network
