#include "api/router.hpp"

#include <gtest/gtest.h>

namespace berth::api {
namespace {

using boost::beast::http::verb;

TEST(StripVersion, RemovesDockerAndLibpodVersions) {
  EXPECT_EQ(strip_version("/v1.41/containers/json"), "/containers/json");
  EXPECT_EQ(strip_version("/v4.0.0/libpod/_ping"), "/libpod/_ping");
  EXPECT_EQ(strip_version("/v5/info"), "/info");
  EXPECT_EQ(strip_version("/v1.41"), "/");
}

TEST(StripVersion, KeepsOtherPaths) {
  EXPECT_EQ(strip_version("/containers/json"), "/containers/json");
  EXPECT_EQ(strip_version("/volumes/v1"), "/volumes/v1");
  EXPECT_EQ(strip_version("/vx/info"), "/vx/info");
  EXPECT_EQ(strip_version("/v./info"), "/v./info");
  EXPECT_EQ(strip_version("/v1x/info"), "/v1x/info");
}

int called(const Router::Match& match) {
  return match.handler ? 1 : 0;
}

TEST(Router, ReportsQuickRoutes) {
  Router router;
  router.add_quick(verb::get, "/_ping", [](Exchange&) {});
  router.add(verb::post, "/containers/{name}/wait", [](Exchange&) {});
  EXPECT_TRUE(router.find(verb::get, "/_ping").quick);
  EXPECT_TRUE(router.find(verb::head, "/_ping").quick) << "HEAD takes the GET route's speed";
  EXPECT_FALSE(router.find(verb::post, "/containers/c/wait").quick);
  EXPECT_FALSE(router.find(verb::get, "/nothing").quick);
}

TEST(Router, MatchesLiteralAndParameterSegments) {
  Router router;
  router.add(verb::get, "/containers/json", [](Exchange&) {});
  router.add(verb::get, "/containers/{name}/json", [](Exchange&) {});
  auto list = router.find(verb::get, "/containers/json");
  EXPECT_EQ(called(list), 1);
  EXPECT_TRUE(list.params.empty());
  auto one = router.find(verb::get, "/containers/web%2D1/json");
  ASSERT_EQ(called(one), 1);
  EXPECT_EQ(one.params.at("name"), "web-1");
}

TEST(Router, GreedyParameterTakesSlashes) {
  Router router;
  router.add(verb::get, "/images/{name...}/json", [](Exchange&) {});
  auto match = router.find(verb::get, "/images/127.0.0.1:5000/lib/alpine:3/json");
  ASSERT_EQ(called(match), 1);
  EXPECT_EQ(match.params.at("name"), "127.0.0.1:5000/lib/alpine:3");
  EXPECT_EQ(called(router.find(verb::get, "/images/json")), 0);
}

TEST(Router, ReportsWrongMethod) {
  Router router;
  router.add(verb::post, "/containers/{name}/start", [](Exchange&) {});
  auto match = router.find(verb::get, "/containers/x/start");
  EXPECT_EQ(called(match), 0);
  EXPECT_TRUE(match.method_not_allowed);
  auto unknown = router.find(verb::get, "/nothing/here");
  EXPECT_FALSE(unknown.method_not_allowed);
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.add(verb::get, "/_ping", [](Exchange&) {});
  EXPECT_EQ(called(router.find(verb::head, "/_ping")), 1);
}

}  // namespace
}  // namespace berth::api
