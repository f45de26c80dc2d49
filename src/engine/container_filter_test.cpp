#include "engine/container_filter.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::engine {
namespace {

ContainerSummary make(const std::string& id, const std::string& name, const std::string& status,
                      std::int64_t created, nlohmann::json labels = nlohmann::json::object()) {
  ContainerSummary c;
  c.id = id;
  c.name = name;
  c.status = status;
  c.created_ns = created;
  c.image = "127.0.0.1:5000/busybox:latest";
  c.image_id = "f577aa5594c9" + id;
  c.labels = std::move(labels);
  return c;
}

const std::vector<ContainerSummary> kAll = {
    make("aaa111", "web", "running", 300, {{"app", "shop"}, {"tier", "edge"}}),
    make("bbb222", "db", "exited", 200, {{"app", "db"}}),
    make("ccc333", "job", "created", 100),
};

// Returns the names that match filters, in order, joined by spaces.
std::string names(const std::vector<std::string>& filters) {
  std::string out;
  for (const auto& c : match_containers(kAll, kAll, parse_container_filters(filters))) {
    out += (out.empty() ? "" : " ") + c.name;
  }
  return out;
}

TEST(ContainerFilter, ValuesOfOneKeyAreOred) {
  EXPECT_EQ(names({"status=running", "status=created"}), "web job");
}

TEST(ContainerFilter, DifferentKeysAreAnded) {
  EXPECT_EQ(names({"status=exited", "name=web"}), "");
  EXPECT_EQ(names({"status=exited", "name=d"}), "db");
}

TEST(ContainerFilter, LabelsAreAnded) {
  EXPECT_EQ(names({"label=app"}), "web db");
  EXPECT_EQ(names({"label=app", "label=tier=edge"}), "web");
  EXPECT_EQ(names({"label!=app"}), "job");
}

TEST(ContainerFilter, NameIsARegularExpression) {
  EXPECT_EQ(names({"name=^[wj]"}), "web job");
}

TEST(ContainerFilter, IdPrefixExitedAncestor) {
  EXPECT_EQ(names({"id=bbb"}), "db");
  EXPECT_EQ(names({"exited=0"}), "db");
  EXPECT_EQ(names({"ancestor=busybox"}), "web db job");
  EXPECT_EQ(names({"ancestor=f577aa"}), "web db job");
  EXPECT_EQ(names({"ancestor=alpine"}), "");
}

TEST(ContainerFilter, BeforeAndSince) {
  EXPECT_EQ(names({"before=db"}), "job");
  EXPECT_EQ(names({"since=bbb222"}), "web");
  EXPECT_THROW(names({"since=nosuch"}), Error);
}

TEST(ContainerFilter, PodAndHealthParse) {
  EXPECT_EQ(names({"pod=p1"}), "");
  EXPECT_EQ(names({"health=none"}), "web db job");
  EXPECT_EQ(names({"health=healthy"}), "");
}

TEST(ContainerFilter, BadKeysAndValuesAreRejected) {
  for (const char* bad : {"foo=bar", "status=bogus", "exited=x", "exited=300", "health=sick",
                          "name=[", "noequals", "=x", "id="}) {
    try {
      parse_container_filters({bad});
      ADD_FAILURE() << bad << " parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << bad;
    }
  }
}

TEST(ContainerFilter, PruneTakesUntilAndLabels) {
  EXPECT_NO_THROW(parse_prune_filters({"until=1h", "label=a", "label!=b"}));
  EXPECT_THROW(parse_prune_filters({"status=exited"}), Error);
  EXPECT_THROW(parse_prune_filters({"until=soon"}), Error);
}

}  // namespace
}  // namespace berth::engine
