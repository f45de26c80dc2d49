#include "image/registry_search.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::image {
namespace {

ErrorCode code_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

TEST(ParseV1Search, ReadsDockerHubShape) {
  auto results = parse_v1_search(R"({"num_results": 2, "query": "alp", "results": [
      {"name": "library/alpine", "description": "A minimal image", "star_count": 10500,
       "is_official": true, "is_automated": false},
      {"name": "someone/alpine-tools", "description": "tools", "star_count": 3,
       "is_official": false, "is_automated": true}]})");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].name, "library/alpine");
  EXPECT_EQ(results[0].description, "A minimal image");
  EXPECT_EQ(results[0].stars, 10500);
  EXPECT_TRUE(results[0].official);
  EXPECT_FALSE(results[0].automated);
  EXPECT_EQ(results[1].name, "someone/alpine-tools");
  EXPECT_EQ(results[1].stars, 3);
  EXPECT_FALSE(results[1].official);
  EXPECT_TRUE(results[1].automated);
}

TEST(ParseV1Search, MissingAndNullMembersAreZero) {
  auto results = parse_v1_search(
      R"({"results": [{"name": "a"}, {"name": "b", "description": null, "star_count": null}]})");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].description, "");
  EXPECT_EQ(results[0].stars, 0);
  EXPECT_FALSE(results[0].official);
  EXPECT_FALSE(results[0].automated);
  EXPECT_EQ(results[1].description, "");
}

TEST(ParseV1Search, EmptyResults) {
  EXPECT_TRUE(parse_v1_search(R"({"num_results": 0, "results": []})").empty());
}

TEST(ParseV1Search, RejectsMalformedBodies) {
  EXPECT_EQ(code_of([] { parse_v1_search("not json"); }), ErrorCode::kUnavailable);
  EXPECT_EQ(code_of([] { parse_v1_search("[]"); }), ErrorCode::kUnavailable);
  EXPECT_EQ(code_of([] { parse_v1_search(R"({"num_results": 0})"); }), ErrorCode::kUnavailable);
  EXPECT_EQ(code_of([] { parse_v1_search(R"({"results": [{"description": "x"}]})"); }),
            ErrorCode::kUnavailable);
  EXPECT_EQ(code_of([] { parse_v1_search(R"({"results": [{"name": 5}]})"); }),
            ErrorCode::kUnavailable);
  EXPECT_EQ(code_of([] { parse_v1_search(R"({"results": [{"name": "a", "star_count": "x"}]})"); }),
            ErrorCode::kUnavailable);
}

TEST(ParseCatalogPage, ReadsRepositories) {
  auto names = parse_catalog_page(R"({"repositories": ["big", "busybox", "team/app"]})");
  EXPECT_EQ(names, (std::vector<std::string>{"big", "busybox", "team/app"}));
  EXPECT_TRUE(parse_catalog_page(R"({"repositories": []})").empty());
  EXPECT_TRUE(parse_catalog_page(R"({})").empty());
}

TEST(ParseCatalogPage, RejectsMalformedBodies) {
  EXPECT_EQ(code_of([] { parse_catalog_page("<html>"); }), ErrorCode::kUnavailable);
  EXPECT_EQ(code_of([] { parse_catalog_page(R"({"repositories": "busybox"})"); }),
            ErrorCode::kUnavailable);
  EXPECT_EQ(code_of([] { parse_catalog_page(R"({"repositories": [1]})"); }),
            ErrorCode::kUnavailable);
}

TEST(ParseTagsPage, ReadsTagsAndNull) {
  EXPECT_EQ(parse_tags_page(R"({"name": "busybox", "tags": ["latest", "v2s2"]})"),
            (std::vector<std::string>{"latest", "v2s2"}));
  EXPECT_TRUE(parse_tags_page(R"({"name": "busybox", "tags": null})").empty());
  EXPECT_EQ(code_of([] { parse_tags_page(R"({"tags": {"a": 1}})"); }), ErrorCode::kUnavailable);
}

TEST(NextPageLink, FindsNextEntry) {
  EXPECT_EQ(next_page_link(R"(</v2/_catalog?last=b&n=2>; rel="next")"),
            std::optional<std::string>("/v2/_catalog?last=b&n=2"));
  EXPECT_EQ(next_page_link(R"(<https://r.example/v2/x/tags/list?last=1>; rel="next")"),
            std::optional<std::string>("https://r.example/v2/x/tags/list?last=1"));
  EXPECT_EQ(
      next_page_link(R"(</v2/_catalog?last=a>; rel="prev", </v2/_catalog?last=c>; rel="next")"),
      std::optional<std::string>("/v2/_catalog?last=c"));
  EXPECT_EQ(next_page_link("</v2/_catalog?last=c>; rel=next"),
            std::optional<std::string>("/v2/_catalog?last=c"));
}

TEST(NextPageLink, NoneWithoutNext) {
  EXPECT_EQ(next_page_link(""), std::nullopt);
  EXPECT_EQ(next_page_link(R"(</v2/_catalog?last=a>; rel="prev")"), std::nullopt);
  EXPECT_EQ(next_page_link("</v2/_catalog?last=a"), std::nullopt);
}

}  // namespace
}  // namespace berth::image
