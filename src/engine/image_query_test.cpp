#include "engine/image_query.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/time.hpp"

namespace berth::engine {
namespace {

TEST(StorageLayerIds, MatchPodman) {
  // The first three layers of the fixture image 127.0.0.1:5000/layered;
  // Podman 4.3 names them 2269e081e1fa, d70268ddba5c and 92ca190881e0.
  auto ids = storage_layer_ids(
      {"sha256:2269e081e1facdcb80b1e5e6a41c4bf919734c1a44c5f56228435517e8e327bc",
       "sha256:379b496b6d37955b899a6afcaca058a9682149b3d516669287d1e85e900cc5c2",
       "sha256:9ad63ec50af540823ce74704f6830e38af1b4c1b95666a5e2bd39255d0e2f64c"});
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], "2269e081e1facdcb80b1e5e6a41c4bf919734c1a44c5f56228435517e8e327bc");
  EXPECT_EQ(ids[1].substr(0, 12), "d70268ddba5c");
  EXPECT_EQ(ids[1].size(), 64u);
  EXPECT_EQ(ids[2].substr(0, 12), "92ca190881e0");
}

TEST(StorageLayerIds, EmptyStack) { EXPECT_TRUE(storage_layer_ids({}).empty()); }

TEST(PruneFilters, ParsesUntilAndLabels) {
  auto filters = parse_image_prune_filters(
      {"until=2024-01-02T00:00:00Z", "label=a", "label=b=c", "label!=d=e=f"});
  ASSERT_TRUE(filters.until_ns.has_value());
  EXPECT_EQ(*filters.until_ns, parse_rfc3339("2024-01-02T00:00:00Z"));
  ASSERT_EQ(filters.labels.size(), 3u);
  EXPECT_EQ(filters.labels[0].key, "a");
  EXPECT_FALSE(filters.labels[0].value.has_value());
  EXPECT_FALSE(filters.labels[0].negate);
  EXPECT_EQ(filters.labels[1].key, "b");
  EXPECT_EQ(filters.labels[1].value, "c");
  EXPECT_EQ(filters.labels[2].key, "d");
  EXPECT_EQ(filters.labels[2].value, "e=f");
  EXPECT_TRUE(filters.labels[2].negate);
}

TEST(PruneFilters, DurationIsBeforeNow) {
  auto filters = parse_image_prune_filters({"until=1h"});
  ASSERT_TRUE(filters.until_ns.has_value());
  std::int64_t hour = 3600LL * 1'000'000'000;
  EXPECT_NEAR(static_cast<double>(now_ns() - hour - *filters.until_ns), 0.0, 5e9);
}

TEST(PruneFilters, RejectsInvalidFilters) {
  for (const char* bad : {"foo=bar", "label", "until=garbage", "until=", "label=", "dangling"}) {
    try {
      parse_image_prune_filters({bad});
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << bad;
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos)
          << "the message names the filter: " << e.what();
    }
  }
}

TEST(PruneFilters, MatchUntil) {
  auto filters = parse_image_prune_filters({"until=2024-01-02T00:00:00Z"});
  nlohmann::json no_labels;
  EXPECT_TRUE(image_matches_prune_filters(filters, parse_rfc3339("2024-01-01T00:00:00Z"),
                                          no_labels));
  EXPECT_FALSE(image_matches_prune_filters(filters, parse_rfc3339("2024-01-03T00:00:00Z"),
                                           no_labels));
}

TEST(PruneFilters, MatchLabels) {
  nlohmann::json labels = {{"app", "web"}, {"tier", "front"}};
  auto match = [&](std::vector<std::string> filters, const nlohmann::json& l) {
    return image_matches_prune_filters(parse_image_prune_filters(filters), 0, l);
  };
  EXPECT_TRUE(match({"label=app"}, labels));
  EXPECT_TRUE(match({"label=app=web"}, labels));
  EXPECT_FALSE(match({"label=app=db"}, labels));
  EXPECT_FALSE(match({"label=missing"}, labels));
  EXPECT_TRUE(match({"label=app", "label=tier=front"}, labels));
  EXPECT_FALSE(match({"label=app", "label=tier=back"}, labels)) << "every filter must match";
  EXPECT_FALSE(match({"label!=app"}, labels));
  EXPECT_TRUE(match({"label!=app=db"}, labels));
  EXPECT_FALSE(match({"label=app"}, nlohmann::json())) << "an image without labels";
  EXPECT_TRUE(match({"label!=app"}, nlohmann::json()));
  EXPECT_TRUE(match({}, labels));
}

}  // namespace
}  // namespace berth::engine
