#include "engine/registry_endpoints.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace berth::engine {
namespace {

config::RegistriesConfig two_search_registries(const std::string& mode) {
  std::string text = "unqualified-search-registries = [\"a.test\", \"b.test\"]\n";
  if (!mode.empty()) text += "short-name-mode = \"" + mode + "\"\n";
  text += "[aliases]\n\"app\" = \"c.test/team/app\"\n";
  return config::RegistriesConfig::parse(text, "/etc/test.conf");
}

ShortNameChooser choose_index(std::optional<std::size_t> index) {
  return [index](const std::string&, const std::vector<std::string>&) { return index; };
}

std::vector<std::string> names_of(const ResolvedName& resolved) {
  std::vector<std::string> names;
  for (const auto& candidate : resolved.candidates) names.push_back(candidate.str());
  return names;
}

TEST(ResolvePullName, QualifiedNameIsItself) {
  auto resolved = resolve_pull_name(image::parse_reference("z.test/x:1"),
                                    two_search_registries("enforcing"), {});
  EXPECT_EQ(names_of(resolved), std::vector<std::string>{"z.test/x:1"});
  EXPECT_EQ(resolved.description, "");
}

TEST(ResolvePullName, AliasWinsOverEnforcing) {
  auto resolved = resolve_pull_name(image::parse_reference("app:2"),
                                    two_search_registries("enforcing"), {});
  EXPECT_EQ(names_of(resolved), std::vector<std::string>{"c.test/team/app:2"});
  EXPECT_EQ(resolved.description, "Resolved \"app\" as an alias (/etc/test.conf)");
}

TEST(ResolvePullName, EnforcingWithoutChoiceFails) {
  try {
    resolve_pull_name(image::parse_reference("tool"), two_search_registries("enforcing"),
                      choose_index(std::nullopt));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    std::string message = e.what();
    EXPECT_TRUE(message.starts_with("short-name resolution enforced but cannot prompt without a TTY"))
        << message;
    EXPECT_NE(message.find("a.test/tool:latest, b.test/tool:latest"), std::string::npos)
        << message;
  }
}

TEST(ResolvePullName, EnforcingUsesChoice) {
  auto resolved = resolve_pull_name(image::parse_reference("tool"),
                                    two_search_registries("enforcing"), choose_index(1));
  EXPECT_EQ(names_of(resolved), std::vector<std::string>{"b.test/tool:latest"});
}

// Short-name alias cache: what a choice at the prompt records.
TEST(ResolvePullName, ChoiceGivesAliasWithoutTag) {
  auto resolved = resolve_pull_name(image::parse_reference("team/tool:2"),
                                    two_search_registries("permissive"), choose_index(0));
  EXPECT_EQ(names_of(resolved), std::vector<std::string>{"a.test/team/tool:2"});
  ASSERT_TRUE(resolved.chosen_alias.has_value());
  EXPECT_EQ(resolved.chosen_alias->first, "team/tool");
  EXPECT_EQ(resolved.chosen_alias->second, "a.test/team/tool");
}

TEST(ResolvePullName, DockerHubChoiceKeepsLibrary) {
  auto registries = config::RegistriesConfig::parse(
      "unqualified-search-registries = [\"a.test\", \"docker.io\"]\n", "t.conf");
  auto resolved = resolve_pull_name(image::parse_reference("tool@sha256:" + std::string(64, 'a')),
                                    registries, choose_index(1));
  ASSERT_TRUE(resolved.chosen_alias.has_value());
  EXPECT_EQ(resolved.chosen_alias->first, "tool");
  EXPECT_EQ(resolved.chosen_alias->second, "docker.io/library/tool");
}

TEST(ResolvePullName, NoAliasToRecordWithoutChoice) {
  auto permissive = resolve_pull_name(image::parse_reference("tool"),
                                      two_search_registries("permissive"), {});
  EXPECT_FALSE(permissive.chosen_alias.has_value());
  auto alias = resolve_pull_name(image::parse_reference("app"), two_search_registries("enforcing"),
                                 choose_index(0));
  EXPECT_FALSE(alias.chosen_alias.has_value()) << "an alias needs no prompt";
}

TEST(ResolvePullName, ChooserErrorPassesThrough) {
  ShortNameChooser aborting = [](const std::string&, const std::vector<std::string>&)
      -> std::optional<std::size_t> { fail(ErrorCode::kInvalidArgument, "aborted"); };
  EXPECT_THROW(resolve_pull_name(image::parse_reference("tool"),
                                 two_search_registries("enforcing"), aborting),
               Error);
}

TEST(RecordChosenAlias, WritesCacheFile) {
  std::string dir = ::testing::TempDir() + "berth-record-alias-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  auto registries = two_search_registries("enforcing");
  registries.alias_cache_path = dir + "/containers/short-name-aliases.conf";
  auto resolved = resolve_pull_name(image::parse_reference("tool:2"), registries, choose_index(1));
  record_chosen_alias(resolved, registries);

  config::RegistriesPaths paths;
  paths.alias_cache = registries.alias_cache_path;
  auto reloaded = config::RegistriesConfig::load(paths);
  EXPECT_EQ(reloaded.find_alias("tool"), "b.test/tool");
  std::filesystem::remove_all(dir);
}

TEST(RecordChosenAlias, WriteFailureNotThrown) {
  std::string file = ::testing::TempDir() + "berth-record-alias-file-" + std::to_string(::getpid());
  { std::ofstream(file) << "a file, not a directory"; }
  auto registries = two_search_registries("enforcing");
  registries.alias_cache_path = file + "/short-name-aliases.conf";
  auto resolved = resolve_pull_name(image::parse_reference("tool"), registries, choose_index(0));
  EXPECT_NO_THROW(record_chosen_alias(resolved, registries));
  std::filesystem::remove(file);
}

TEST(ResolvePullName, PermissiveTriesAllInOrder) {
  for (const std::string mode : {"permissive", "", "disabled"}) {
    auto resolved = resolve_pull_name(image::parse_reference("tool"),
                                      two_search_registries(mode), choose_index(std::nullopt));
    EXPECT_EQ(names_of(resolved),
              (std::vector<std::string>{"a.test/tool:latest", "b.test/tool:latest"}))
        << "mode " << mode;
    EXPECT_EQ(resolved.description,
              "Resolving \"tool\" using unqualified-search registries (/etc/test.conf)");
  }
}

TEST(ResolvePullName, DisabledNeverAsks) {
  bool chooser_called = false;
  ShortNameChooser choose = [&](const std::string&, const std::vector<std::string>&) {
    chooser_called = true;
    return std::optional<std::size_t>(0);
  };
  auto resolved =
      resolve_pull_name(image::parse_reference("tool"), two_search_registries("disabled"), choose);
  EXPECT_FALSE(chooser_called);
  EXPECT_EQ(resolved.candidates.size(), 2u);
}

TEST(PullEndpoints, BlockedPrefixThrows) {
  auto registries = config::RegistriesConfig::parse(
      "[[registry]]\nprefix = \"b.test/team\"\nlocation = \"b.test/team\"\nblocked = true\n",
      "t.conf");
  try {
    pull_endpoints(image::parse_reference("b.test/team/x").ref, registries);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kPermissionDenied);
    EXPECT_NE(std::string(e.what()).find("\"b.test/team\" is blocked"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(pull_endpoints(image::parse_reference("b.test/other").ref, registries).size(), 1u);
}

TEST(PullEndpoints, MirrorsParsedAsReferences) {
  auto registries = config::RegistriesConfig::parse(R"(
[[registry]]
prefix = "docker.io/library"
location = "127.0.0.1:5000/hub"
[[registry.mirror]]
location = "127.0.0.1:5096"
insecure = true
)",
                                                    "t.conf");
  auto endpoints = pull_endpoints(image::parse_reference("docker.io/busybox:1").ref, registries);
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_EQ(endpoints[0].ref.registry, "127.0.0.1:5096");
  EXPECT_EQ(endpoints[0].ref.repository, "busybox");
  EXPECT_EQ(endpoints[0].ref.tag, "1");
  EXPECT_TRUE(endpoints[0].insecure);
  EXPECT_TRUE(endpoints[0].mirror);
  EXPECT_EQ(endpoints[1].ref.str(), "127.0.0.1:5000/hub/busybox:1");
  EXPECT_FALSE(endpoints[1].mirror);
}

TEST(PullFromEndpoints, FallsBackFromMirrors) {
  std::vector<PullEndpoint> endpoints(3);
  endpoints[0].mirror = endpoints[1].mirror = true;
  endpoints[0].ref.registry = "m1.test";
  endpoints[1].ref.registry = "m2.test";
  std::vector<std::string> tried;
  std::string result = pull_from_endpoints(endpoints, [&](const PullEndpoint& endpoint) {
    tried.push_back(endpoint.ref.registry);
    if (endpoint.ref.registry == "m1.test") fail(ErrorCode::kUnavailable, "m1 down");
    return std::string("id-from-") + endpoint.ref.registry;
  });
  EXPECT_EQ(result, "id-from-m2.test");
  EXPECT_EQ(tried, (std::vector<std::string>{"m1.test", "m2.test"}));
}

TEST(PullFromEndpoints, PrimaryFailureNamesMirrors) {
  std::vector<PullEndpoint> endpoints(2);
  endpoints[0].mirror = true;
  try {
    pull_from_endpoints(endpoints, [&](const PullEndpoint& endpoint) -> std::string {
      if (endpoint.mirror) fail(ErrorCode::kUnavailable, "mirror down");
      fail(ErrorCode::kNotFound, "manifest unknown");
    });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound) << "the primary's code decides";
    EXPECT_EQ(std::string(e.what()), "manifest unknown (mirrors also failed: mirror down)");
  }
}

}  // namespace
}  // namespace berth::engine
