#include "network/port_mapping.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::network {
namespace {

TEST(PortMapping, ParsesHostAndContainerPort) {
  EXPECT_EQ(parse_port_mapping("8080:80"), (PortMapping{"", 8080, 80, "tcp"}));
}

TEST(PortMapping, ParsesHostIp) {
  EXPECT_EQ(parse_port_mapping("127.0.0.1:8080:80"), (PortMapping{"127.0.0.1", 8080, 80, "tcp"}));
  EXPECT_EQ(parse_port_mapping("0.0.0.0:8080:80"), (PortMapping{"", 8080, 80, "tcp"}));
}

TEST(PortMapping, ParsesProtocol) {
  EXPECT_EQ(parse_port_mapping("8080:80/udp"), (PortMapping{"", 8080, 80, "udp"}));
  EXPECT_EQ(parse_port_mapping("8080:80/TCP"), (PortMapping{"", 8080, 80, "tcp"}));
}

TEST(PortMapping, PicksFreeHostPort) {
  PortMapping only_container = parse_port_mapping("80");
  EXPECT_EQ(only_container.container_port, 80);
  EXPECT_NE(only_container.host_port, 0);
  EXPECT_EQ(only_container.host_ip, "");

  PortMapping on_loopback = parse_port_mapping("127.0.0.1::80/udp");
  EXPECT_EQ(on_loopback.host_ip, "127.0.0.1");
  EXPECT_NE(on_loopback.host_port, 0);
  EXPECT_EQ(on_loopback.protocol, "udp");

  EXPECT_NE(parse_port_mapping("0:80").host_port, 0);
}

TEST(PortMapping, RejectsBadValues) {
  for (const char* text :
       {"", "abc", "8080:", "8080:0", "70000:80", "8080:80/sctp", "8080:80/", "1.2.3:8080:80",
        "a:b:c:d", "8080-8090:80-90", "[::1]:8080:80", "-1:80", "8080:80x"}) {
    try {
      parse_port_mapping(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << text;
      EXPECT_NE(std::string(e.what()).find("\"" + std::string(text) + "\""), std::string::npos)
          << e.what();
    }
  }
}

TEST(PortMapping, FormatsLikePodman) {
  EXPECT_EQ(format_port_mapping({"", 8080, 80, "tcp"}), "0.0.0.0:8080->80/tcp");
  EXPECT_EQ(format_port_mapping({"127.0.0.1", 53, 53, "udp"}), "127.0.0.1:53->53/udp");
}

}  // namespace
}  // namespace berth::network
