#include "api/port_mappings.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::api {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

// The entries Podman 4.3's client sends for -p 18600-18601:80-81,
// -p 127.0.0.1::53/udp and -p 8080:80.
TEST(PublishValues, PodmanEntriesBecomeFlags) {
  json body = json::parse(R"({"portmappings":[
    {"host_ip":"","container_port":80,"host_port":18600,"range":2,"protocol":"tcp"},
    {"host_ip":"127.0.0.1","container_port":53,"host_port":0,"range":1,"protocol":"udp"},
    {"container_port":80,"host_port":8080}]})");
  EXPECT_EQ(publish_values(body),
            (Strings{"18600-18601:80-81", "127.0.0.1::53/udp", "8080:80"}));
}

TEST(PublishValues, RangeWithoutHostPorts) {
  json body = {{"portmappings", {{{"container_port", 80}, {"range", 3}}}}};
  EXPECT_EQ(publish_values(body), Strings{":80-82"});
}

TEST(PublishValues, NoListIsNoValues) {
  EXPECT_TRUE(publish_values(json::object()).empty());
}

TEST(PublishValues, RejectsWrongTypes) {
  EXPECT_THROW(publish_values({{"portmappings", "80"}}), Error);
  EXPECT_THROW(publish_values({{"portmappings", {80}}}), Error);
}

}  // namespace
}  // namespace berth::api
