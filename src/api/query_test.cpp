#include "api/query.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::api {
namespace {

TEST(Query, ParsesRepeatedAndEscapedParameters) {
  Query query("all=1&name=a%20b&label=x&label=y+z&empty");
  EXPECT_EQ(query.get("name"), "a b");
  EXPECT_EQ(query.all("label"), (std::vector<std::string>{"x", "y z"}));
  EXPECT_TRUE(query.flag("all", false));
  EXPECT_TRUE(query.has("empty"));
  EXPECT_FALSE(query.flag("empty", false));
  EXPECT_FALSE(query.get("missing").has_value());
}

TEST(Query, RejectsBadValuesByName) {
  Query query("all=maybe&limit=3x");
  try {
    query.flag("all", false);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("\"maybe\""), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("all"), std::string::npos);
  }
  EXPECT_THROW(query.integer("limit"), Error);
  EXPECT_THROW(Query("a=%zz"), Error);
  EXPECT_THROW(Query("a=%4"), Error);
  EXPECT_THROW(Query("a=x%00y"), Error);
}

TEST(Query, IntegerParameter) {
  Query query("t=10&neg=-1");
  EXPECT_EQ(query.integer("t"), 10);
  EXPECT_EQ(query.integer("neg"), -1);
  EXPECT_FALSE(query.integer("none").has_value());
}

TEST(ParseFilters, AcceptsBothShapes) {
  EXPECT_EQ(parse_filters(R"({"status":["running","exited"],"name":["web"]})"),
            (std::vector<std::string>{"name=web", "status=running", "status=exited"}));
  EXPECT_EQ(parse_filters(R"({"label":{"a=b":true,"c":false}})"),
            (std::vector<std::string>{"label=a=b"}));
  EXPECT_TRUE(parse_filters("").empty());
}

TEST(ParseFilters, RejectsMalformedJson) {
  EXPECT_THROW(parse_filters("{"), Error);
  EXPECT_THROW(parse_filters(R"(["a"])"), Error);
  EXPECT_THROW(parse_filters(R"({"a":[1]})"), Error);
  EXPECT_THROW(parse_filters(R"({"a":"b"})"), Error);
}

}  // namespace
}  // namespace berth::api
