#include <gtest/gtest.h>

#include "api/compat_create.hpp"
#include "common/error.hpp"

namespace berth::api {
namespace {

using nlohmann::json;

json base_body() { return {{"Image", "busybox"}}; }

TEST(CompatCreateNetwork, DefaultIsBridge) {
  auto request = compat_create_request(base_body(), "c");
  EXPECT_EQ(request.network, "bridge");
}

TEST(CompatCreateNetwork, NetworkModeNamesUserNetwork) {
  json body = base_body();
  body["HostConfig"] = {{"NetworkMode", "proj_back"}};
  EXPECT_EQ(compat_create_request(body, "c").network, "proj_back");
}

TEST(CompatCreateNetwork, EndpointsConfigNamesNetwork) {
  json body = base_body();
  body["NetworkingConfig"] = {{"EndpointsConfig", {{"proj_back", json::object()}}}};
  EXPECT_EQ(compat_create_request(body, "c").network, "proj_back");
}

TEST(CompatCreateNetwork, EndpointsConfigAliasesBecomeOptions) {
  json body = base_body();
  body["HostConfig"] = {{"NetworkMode", "proj_back"}};
  body["NetworkingConfig"] = {
      {"EndpointsConfig", {{"proj_back", {{"Aliases", {"web", "www"}}}}}}};
  EXPECT_EQ(compat_create_request(body, "c").network, "proj_back:alias=web,alias=www");
}

TEST(CompatCreateNetwork, EndpointsConfigKeepsExplicitMode) {
  json body = base_body();
  body["HostConfig"] = {{"NetworkMode", "host"}};
  body["NetworkingConfig"] = {{"EndpointsConfig", {{"proj_back", json::object()}}}};
  EXPECT_EQ(compat_create_request(body, "c").network, "host");
}

TEST(CompatCreateNetwork, TwoEndpointsRejected) {
  json body = base_body();
  body["NetworkingConfig"] = {{"EndpointsConfig", {{"a", json::object()}, {"b", json::object()}}}};
  try {
    compat_create_request(body, "c");
    FAIL() << "two networks were accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

TEST(CompatCreateNetwork, BindCoversVolumesEntry) {
  json body = base_body();
  body["Volumes"] = {{"/data", json::object()}, {"/cache", json::object()}};
  body["HostConfig"] = {{"Binds", {"proj_data:/data:rw"}}};
  auto request = compat_create_request(body, "c");
  ASSERT_EQ(request.volumes.size(), 2u);
  EXPECT_EQ(request.volumes[0], "/cache");
  EXPECT_EQ(request.volumes[1], "proj_data:/data:rw");
}

TEST(CompatCreateNetwork, MountCoversVolumesEntry) {
  json body = base_body();
  body["Volumes"] = {{"/data", json::object()}, {"/data2", json::object()}};
  body["HostConfig"] = {{"Mounts", {{{"Type", "volume"}, {"Source", "v"}, {"Target", "/data"}}}}};
  auto request = compat_create_request(body, "c");
  ASSERT_EQ(request.volumes.size(), 1u);
  EXPECT_EQ(request.volumes[0], "/data2");
}

}  // namespace
}  // namespace berth::api
