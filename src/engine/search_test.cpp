#include "engine/search.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::engine {
namespace {

image::RegistrySearchResult result(std::int64_t stars, bool official, bool automated) {
  image::RegistrySearchResult r;
  r.name = "x";
  r.stars = stars;
  r.official = official;
  r.automated = automated;
  return r;
}

bool rejected(const std::vector<std::string>& filters) {
  try {
    parse_search_filters(filters);
  } catch (const Error& e) {
    return e.code() == ErrorCode::kInvalidArgument;
  }
  return false;
}

TEST(SearchFilters, ParsesEachKind) {
  SearchFilter filter = parse_search_filters({"stars=3", "is-official", "is-automated=false"});
  EXPECT_EQ(filter.min_stars, std::optional<std::int64_t>(3));
  EXPECT_EQ(filter.official, std::optional<bool>(true));
  EXPECT_EQ(filter.automated, std::optional<bool>(false));
  EXPECT_FALSE(search_filter_empty(filter));
}

TEST(SearchFilters, EmptyListFiltersNothing) {
  SearchFilter filter = parse_search_filters({});
  EXPECT_TRUE(search_filter_empty(filter));
  EXPECT_TRUE(search_filter_matches(filter, result(0, false, false)));
  EXPECT_TRUE(search_filter_matches(filter, result(9, true, true)));
}

TEST(SearchFilters, LaterValueReplacesEarlier) {
  SearchFilter filter =
      parse_search_filters({"is-official=false", "is-official=true", "stars=9", "stars=2"});
  EXPECT_EQ(filter.official, std::optional<bool>(true));
  EXPECT_EQ(filter.min_stars, std::optional<std::int64_t>(2));
}

TEST(SearchFilters, RejectsInvalidValues) {
  EXPECT_TRUE(rejected({"bogus"}));
  EXPECT_TRUE(rejected({"bogus=1"}));
  EXPECT_TRUE(rejected({"stars"}));
  EXPECT_TRUE(rejected({"stars="}));
  EXPECT_TRUE(rejected({"stars=x"}));
  EXPECT_TRUE(rejected({"stars=-1"}));
  EXPECT_TRUE(rejected({"stars=3x"}));
  EXPECT_TRUE(rejected({"is-official=maybe"}));
  EXPECT_TRUE(rejected({"is-automated=1"}));
}

TEST(SearchFilters, ErrorNamesTheValue) {
  try {
    parse_search_filters({"stars=many"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stars=many"), std::string::npos) << e.what();
  }
}

TEST(SearchFilters, StarsIsAMinimum) {
  SearchFilter filter = parse_search_filters({"stars=5"});
  EXPECT_FALSE(search_filter_matches(filter, result(4, false, false)));
  EXPECT_TRUE(search_filter_matches(filter, result(5, false, false)));
  EXPECT_TRUE(search_filter_matches(filter, result(50, false, false)));
}

TEST(SearchFilters, OfficialAndAutomatedMatchEitherWay) {
  SearchFilter official = parse_search_filters({"is-official"});
  EXPECT_TRUE(search_filter_matches(official, result(0, true, false)));
  EXPECT_FALSE(search_filter_matches(official, result(0, false, false)));
  SearchFilter not_official = parse_search_filters({"is-official=false"});
  EXPECT_FALSE(search_filter_matches(not_official, result(0, true, false)));
  EXPECT_TRUE(search_filter_matches(not_official, result(0, false, true)));
  SearchFilter automated = parse_search_filters({"is-automated=true"});
  EXPECT_TRUE(search_filter_matches(automated, result(0, false, true)));
  EXPECT_FALSE(search_filter_matches(automated, result(0, true, false)));
}

TEST(SearchFilters, AllFiltersMustMatch) {
  SearchFilter filter = parse_search_filters({"stars=2", "is-official"});
  EXPECT_TRUE(search_filter_matches(filter, result(2, true, false)));
  EXPECT_FALSE(search_filter_matches(filter, result(1, true, false)));
  EXPECT_FALSE(search_filter_matches(filter, result(2, false, false)));
}

TEST(SearchDescription, ShortTextUnchanged) {
  EXPECT_EQ(search_description("", false), "");
  EXPECT_EQ(search_description("A minimal image", false), "A minimal image");
  std::string exactly44(44, 'a');
  EXPECT_EQ(search_description(exactly44, false), exactly44);
}

TEST(SearchDescription, LongTextCutAt44) {
  std::string text = "OpenSSH / Supervisor / EPEL/IUS/SCL Repos - CentOS";
  ASSERT_GT(text.size(), 44u);
  EXPECT_EQ(search_description(text, false), text.substr(0, 44) + "...");
  EXPECT_EQ(search_description(std::string(45, 'b'), false), std::string(44, 'b') + "...");
}

TEST(SearchDescription, NoTruncKeepsAll) {
  std::string text(100, 'c');
  EXPECT_EQ(search_description(text, true), text);
}

TEST(SearchDescription, NewlinesBecomeSpaces) {
  EXPECT_EQ(search_description("line one\nline two", false), "line one line two");
  EXPECT_EQ(search_description("a\nb", true), "a b");
}

TEST(SearchDescription, CutKeepsUtf8Whole) {
  // 43 ASCII bytes, then "é" (2 bytes) across the 44-byte cut.
  std::string text = std::string(43, 'x') + "\xc3\xa9" + "yyy";
  EXPECT_EQ(search_description(text, false), std::string(43, 'x') + "...");
}

TEST(SplitSearchTerm, RegistryBeforeFirstSlash) {
  SearchTerm split = split_search_term("127.0.0.1:5000/busy");
  EXPECT_EQ(split.registry, std::optional<std::string>("127.0.0.1:5000"));
  EXPECT_EQ(split.term, "busy");
  split = split_search_term("quay.io/team/app");
  EXPECT_EQ(split.registry, std::optional<std::string>("quay.io"));
  EXPECT_EQ(split.term, "team/app");
  split = split_search_term("127.0.0.1:5000/");
  EXPECT_EQ(split.registry, std::optional<std::string>("127.0.0.1:5000"));
  EXPECT_EQ(split.term, "");
}

TEST(SplitSearchTerm, NoSlashMeansNoRegistry) {
  SearchTerm split = split_search_term("busybox");
  EXPECT_EQ(split.registry, std::nullopt);
  EXPECT_EQ(split.term, "busybox");
}

TEST(SearchResultName, AddsLibraryOnDockerHubOnly) {
  EXPECT_EQ(search_result_name("docker.io", "alpine"), "docker.io/library/alpine");
  EXPECT_EQ(search_result_name("docker.io", "someone/alpine"), "docker.io/someone/alpine");
  EXPECT_EQ(search_result_name("127.0.0.1:5000", "busybox"), "127.0.0.1:5000/busybox");
  EXPECT_EQ(search_result_name("quay.io", "team/app"), "quay.io/team/app");
}

}  // namespace
}  // namespace berth::engine
