#include "engine/network_value.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::engine {
namespace {

TEST(NetworkValue, SplitsNameAndOptions) {
  auto value = parse_network_value("front:alias=web,ip=10.89.0.5,mac=92:d0:c6:0a:29:33,alias=www");
  EXPECT_EQ(value.name, "front");
  EXPECT_EQ(value.aliases, (std::vector<std::string>{"web", "www"}));
  EXPECT_EQ(value.ip, "10.89.0.5");
  EXPECT_EQ(value.mac, "92:d0:c6:0a:29:33");
}

TEST(NetworkValue, DefaultNetworkWithOptions) {
  auto value = parse_network_value(":ip=10.88.0.9");
  EXPECT_EQ(value.name, "");
  EXPECT_EQ(value.ip, "10.88.0.9");
}

TEST(NetworkValue, ModesKeepTheirText) {
  EXPECT_EQ(parse_network_value("container:abc").name, "container:abc");
  EXPECT_EQ(parse_network_value("ns:/run/netns/x").name, "ns:/run/netns/x");
  EXPECT_EQ(parse_network_value("host").name, "host");
  EXPECT_EQ(parse_network_value("slirp4netns:port_handler=slirp4netns").name,
            "slirp4netns:port_handler=slirp4netns");
  // host takes no options, but they parse, so create can reject them.
  EXPECT_EQ(parse_network_value("host:ip=10.88.0.5").name, "host");
}

TEST(NetworkValue, RejectsBadOptions) {
  auto code_of = [](const std::string& text) {
    try {
      parse_network_value(text);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  };
  EXPECT_EQ(code_of("front:ip=abc"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of("front:ip=fd00::1"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of("front:ip6=fd00::1"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of("front:alias=-bad"), ErrorCode::kInvalidArgument);
}

TEST(NetworkValue, AppendsOptions) {
  std::string network = "front";
  append_network_option(network, "alias=web");
  append_network_option(network, "ip=10.89.0.5");
  EXPECT_EQ(network, "front:alias=web,ip=10.89.0.5");
  std::string none;
  append_network_option(none, "ip=10.88.0.9");
  EXPECT_EQ(none, ":ip=10.88.0.9");
}

}  // namespace
}  // namespace berth::engine
