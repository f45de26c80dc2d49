#include "build/expand.hpp"

#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"

namespace berth::build {
namespace {

Lookup vars(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

TEST(ExpandTest, Variables) {
  auto lookup = vars({{"A", "x"}, {"EMPTY", ""}});
  EXPECT_EQ(expand_word("$A-${A}/$B.", lookup), "x-x/.");
  EXPECT_EQ(expand_word("${B:-def} ${A:-def} ${EMPTY:-e} ${EMPTY-e}", lookup), "def x e ");
  EXPECT_EQ(expand_word("${A:+set} ${B:+set}", lookup), "set ");
  EXPECT_EQ(expand_word("${B:-${A}y}", lookup), "xy");
}

TEST(ExpandTest, QuotesAndEscapes) {
  auto lookup = vars({{"A", "x"}});
  EXPECT_EQ(expand_word("'$A' \"$A b\" \\$A", lookup), "$A x b $A");
  EXPECT_EQ(expand_word("`$A", lookup, '`'), "$A");
  EXPECT_THROW(expand_word("\"open", lookup), Error);
  EXPECT_THROW(expand_word("${A", lookup), Error);
}

TEST(ExpandTest, Words) {
  auto lookup = vars({{"A", "x"}});
  EXPECT_EQ(expand_words("  a \"b c\"  $A ", lookup), (std::vector<std::string>{"a", "b c", "x"}));
}

TEST(ExpandTest, KeyValues) {
  auto lookup = vars({{"A", "x"}});
  auto pairs = parse_key_values("K=\"hello world\" L=$A", lookup);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0], (std::pair<std::string, std::string>{"K", "hello world"}));
  EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"L", "x"}));
  auto legacy = parse_key_values("NAME the value $A", lookup);
  ASSERT_EQ(legacy.size(), 1u);
  EXPECT_EQ(legacy[0].second, "the value x");
  EXPECT_THROW(parse_key_values("=v", lookup), Error);
}

}  // namespace
}  // namespace berth::build
