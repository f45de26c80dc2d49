#include "config/registries.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace berth::config {
namespace {

constexpr const char* kSample = R"(
unqualified-search-registries = ["registry.example.com", "docker.io"]

[[registry]]
prefix = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "blocked.example.com"
blocked = true

[[registry]]
prefix = "example.com"
location = "mirror.example.com"

[[registry]]
prefix = "example.com/team"
location = "team.example.com"

[[registry]]
prefix = "*.internal.example"
insecure = true

[aliases]
"busybox" = "docker.io/library/busybox"
)";

TEST(RegistriesConfigParse, ReadsSearchRegistries) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  ASSERT_EQ(config.unqualified_search_registries.size(), 2u);
  EXPECT_EQ(config.unqualified_search_registries[0], "registry.example.com");
  EXPECT_EQ(config.unqualified_search_registries[1], "docker.io");
  EXPECT_TRUE(config.search_registries_set);
}

TEST(RegistriesConfigParse, ReadsRegistryTables) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  ASSERT_EQ(config.registries.size(), 5u);
  EXPECT_EQ(config.registries[0].prefix, "127.0.0.1:5000");
  EXPECT_EQ(config.registries[0].location, "127.0.0.1:5000");
  EXPECT_TRUE(config.registries[0].insecure);
  EXPECT_FALSE(config.registries[0].blocked);
  EXPECT_EQ(config.registries[1].prefix, "blocked.example.com");
  EXPECT_TRUE(config.registries[1].blocked);
  EXPECT_EQ(config.registries[2].location, "mirror.example.com");
}

TEST(RegistriesConfigParse, ReadsAliases) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  EXPECT_EQ(config.find_alias("busybox"), "docker.io/library/busybox");
  EXPECT_EQ(config.find_alias("alpine"), std::nullopt);
}

TEST(RegistriesConfigParse, EmptyTextGivesEmptyConfig) {
  RegistriesConfig config = RegistriesConfig::parse("", "empty.conf");
  EXPECT_TRUE(config.unqualified_search_registries.empty());
  EXPECT_FALSE(config.search_registries_set);
  EXPECT_TRUE(config.registries.empty());
}

TEST(RegistriesConfigParse, InvalidTomlNamesFile) {
  try {
    RegistriesConfig::parse("unqualified-search-registries = [\"a\"\n[[registry", "/x/bad.conf");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("/x/bad.conf"), std::string::npos) << e.what();
  }
}

TEST(RegistriesConfigParse, WrongTypeNamesField) {
  try {
    RegistriesConfig::parse("[[registry]]\nprefix = \"a.com\"\ninsecure = \"yes\"\n", "t.conf");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("insecure"), std::string::npos) << e.what();
  }
}

TEST(RegistriesConfigFind, LongestPrefixWins) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  const auto* team = config.find("example.com/team/app");
  ASSERT_NE(team, nullptr);
  EXPECT_EQ(team->prefix, "example.com/team");
  const auto* other = config.find("example.com/other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->prefix, "example.com");
  const auto* host = config.find("example.com");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->prefix, "example.com");
}

TEST(RegistriesConfigFind, MatchesOnlyAtBoundary) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  EXPECT_EQ(config.find("example.community"), nullptr);
  EXPECT_EQ(config.find("example.com/teammate")->prefix, "example.com");
  EXPECT_EQ(config.find("127.0.0.1:50000"), nullptr);
  ASSERT_NE(config.find("127.0.0.1:5000"), nullptr);
  EXPECT_TRUE(config.find("127.0.0.1:5000/busybox")->insecure);
}

TEST(RegistriesConfigFind, WildcardMatchesSubdomains) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  const auto* entry = config.find("a.internal.example/app");
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(entry->insecure);
  EXPECT_EQ(config.find("internal.example"), nullptr);
}

TEST(RegistriesConfigMerge, DropInOverridesSameKeys) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  config.merge(RegistriesConfig::parse(R"(
unqualified-search-registries = ["quay.io"]
[[registry]]
prefix = "127.0.0.1:5000"
insecure = false
[aliases]
"busybox" = "quay.io/busybox"
)",
                                       "drop-in.conf"));
  ASSERT_EQ(config.unqualified_search_registries.size(), 1u);
  EXPECT_EQ(config.unqualified_search_registries[0], "quay.io");
  EXPECT_EQ(config.registries.size(), 5u);
  EXPECT_FALSE(config.find("127.0.0.1:5000")->insecure);
  EXPECT_EQ(config.find_alias("busybox"), "quay.io/busybox");
}

TEST(RegistriesConfigMerge, DropInWithoutSearchListKeepsIt) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  config.merge(RegistriesConfig::parse("[aliases]\n\"x\" = \"quay.io/x\"\n", "drop-in.conf"));
  EXPECT_EQ(config.unqualified_search_registries.size(), 2u);
}

TEST(RegistriesConfigLoad, ReadsEnvironmentFile) {
  auto dir = std::filesystem::temp_directory_path() / "berth-registries-test";
  std::filesystem::create_directories(dir);
  auto path = dir / "registries.conf";
  std::ofstream(path) << "unqualified-search-registries = [\"127.0.0.1:5000\"]\n";
  ::setenv("CONTAINERS_REGISTRIES_CONF", path.c_str(), 1);

  RegistriesConfig config = RegistriesConfig::load();
  ::unsetenv("CONTAINERS_REGISTRIES_CONF");
  std::filesystem::remove_all(dir);

  ASSERT_EQ(config.unqualified_search_registries.size(), 1u);
  EXPECT_EQ(config.unqualified_search_registries[0], "127.0.0.1:5000");
  EXPECT_TRUE(config.aliases.empty());
}

}  // namespace
}  // namespace berth::config
