#include "network/publish_spec.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::network {
namespace {

TEST(PublishSpec, ParsesSinglePorts) {
  EXPECT_EQ(parse_publish_spec("80"), (PublishSpec{"", 0, 80, 1, "tcp"}));
  EXPECT_EQ(parse_publish_spec("8080:80/udp"), (PublishSpec{"", 8080, 80, 1, "udp"}));
  EXPECT_EQ(parse_publish_spec("127.0.0.1::80"), (PublishSpec{"127.0.0.1", 0, 80, 1, "tcp"}));
  EXPECT_EQ(parse_publish_spec("0.0.0.0:8080:80"), (PublishSpec{"", 8080, 80, 1, "tcp"}));
}

TEST(PublishSpec, ParsesRanges) {
  EXPECT_EQ(parse_publish_spec("18600-18601:80-81"), (PublishSpec{"", 18600, 80, 2, "tcp"}));
  EXPECT_EQ(parse_publish_spec("80-82"), (PublishSpec{"", 0, 80, 3, "tcp"}));
  EXPECT_EQ(parse_publish_spec("127.0.0.1::80-81/udp"),
            (PublishSpec{"127.0.0.1", 0, 80, 2, "udp"}));
}

TEST(PublishSpec, FormatsBackToTheSameSpec) {
  for (const char* text : {"80", "8080:80/udp", "127.0.0.1::80", "18600-18601:80-81",
                           "80-82", "127.0.0.1:9000-9001:80-81/udp"}) {
    PublishSpec spec = parse_publish_spec(text);
    EXPECT_EQ(parse_publish_spec(format_publish_spec(spec)), spec) << text;
  }
  EXPECT_EQ(format_publish_spec({"", 18600, 80, 2, "tcp"}), "18600-18601:80-81/tcp");
  EXPECT_EQ(format_publish_spec({"127.0.0.1", 0, 53, 1, "udp"}), "127.0.0.1::53/udp");
}

TEST(PublishSpec, RejectsBadValues) {
  for (const char* text :
       {"", "abc", "bad:port", "8080:", "8080:0", "70000:80", "8080:80/sctp", "8080:80/",
        "1.2.3:8080:80", "a:b:c:d", "[::1]:8080:80", "-1:80", "8080:80x", "81-80",
        "18600-18600:80", "0-1:80-81", "65535-65536:80-81", "18600:80-81", "18600-18601:80",
        "80-x"}) {
    try {
      parse_publish_spec(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << text;
      EXPECT_NE(std::string(e.what()).find("\"" + std::string(text) + "\""), std::string::npos)
          << e.what();
    }
  }
}

TEST(PublishSpec, NamesTheBadPart) {
  try {
    parse_publish_spec("bad:port");
    ADD_FAILURE() << "accepted bad:port";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "invalid port mapping \"bad:port\": \"port\" is not a port number between 1 "
                 "and 65535");
  }
  try {
    parse_publish_spec("18600:80-81");
    ADD_FAILURE() << "accepted 18600:80-81";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different lengths: 1 vs 2"), std::string::npos)
        << e.what();
  }
}

TEST(PublishSpec, ResolvesRangesPortByPort) {
  auto mappings = parse_port_mappings("18600-18601:80-81/udp");
  ASSERT_EQ(mappings.size(), 2u);
  EXPECT_EQ(mappings[0], (PortMapping{"", 18600, 80, "udp"}));
  EXPECT_EQ(mappings[1], (PortMapping{"", 18601, 81, "udp"}));
}

TEST(PublishSpec, PicksConsecutiveFreeHostPorts) {
  auto mappings = parse_port_mappings("127.0.0.1::80-82");
  ASSERT_EQ(mappings.size(), 3u);
  EXPECT_NE(mappings[0].host_port, 0);
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    EXPECT_EQ(mappings[i].host_ip, "127.0.0.1");
    EXPECT_EQ(mappings[i].host_port, mappings[0].host_port + i);
    EXPECT_EQ(mappings[i].container_port, 80 + i);
  }
}

}  // namespace
}  // namespace berth::network
