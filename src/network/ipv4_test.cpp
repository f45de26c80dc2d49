#include "network/ipv4.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::network {
namespace {

TEST(Ipv4, ParsesAndFormats) {
  EXPECT_EQ(parse_ipv4("10.88.0.1"), 0x0a580001u);
  EXPECT_EQ(format_ipv4(0x0a580001u), "10.88.0.1");
  EXPECT_FALSE(try_parse_ipv4("10.88.0"));
  EXPECT_FALSE(try_parse_ipv4("10.88.0.256"));
  EXPECT_FALSE(try_parse_ipv4("::1"));
  EXPECT_THROW(parse_ipv4("nope"), Error);
}

TEST(Ipv4Subnet, ParsesCidr) {
  Ipv4Subnet subnet = Ipv4Subnet::parse("10.88.0.0/16");
  EXPECT_EQ(subnet.prefix_len, 16);
  EXPECT_EQ(subnet.str(), "10.88.0.0/16");
  EXPECT_EQ(format_ipv4(subnet.broadcast()), "10.88.255.255");
  EXPECT_TRUE(subnet.contains(parse_ipv4("10.88.3.4")));
  EXPECT_FALSE(subnet.contains(parse_ipv4("10.89.0.1")));
  EXPECT_EQ(Ipv4Subnet::parse("0.0.0.0/0").mask(), 0u);
}

TEST(Ipv4Subnet, RejectsMalformed) {
  for (const char* text : {"10.88.0.0", "10.88.0.0/33", "10.88.0.0/x", "10.88.0.1/16", "/16"}) {
    try {
      Ipv4Subnet::parse(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << text;
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace berth::network
