#include "config/registries.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace berth::config {
namespace {

constexpr const char* kSample = R"(
unqualified-search-registries = ["registry.example.com", "docker.io"]

[[registry]]
location = "127.0.0.1:5000"
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

[[registry]]
prefix = "mirrored.test/team"
location = "127.0.0.1:5000/primary"

[[registry.mirror]]
location = "127.0.0.1:5096/first/"

[[registry.mirror]]
location = "127.0.0.1:5000/second"
insecure = true

[[registry.mirror]]
location = "127.0.0.1:5001"
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "127.0.0.1:5002"
pull-from-mirror = "tag-only"

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
  ASSERT_EQ(config.registries.size(), 6u);
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
location = "127.0.0.1:5000"
insecure = false
[aliases]
"busybox" = "quay.io/busybox"
)",
                                       "drop-in.conf"));
  ASSERT_EQ(config.unqualified_search_registries.size(), 1u);
  EXPECT_EQ(config.unqualified_search_registries[0], "quay.io");
  EXPECT_EQ(config.registries.size(), 6u);
  EXPECT_FALSE(config.find("127.0.0.1:5000")->insecure);
  EXPECT_EQ(config.find_alias("busybox"), "quay.io/busybox");
}

TEST(RegistriesConfigMerge, DropInWithoutSearchListKeepsIt) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  config.merge(RegistriesConfig::parse("[aliases]\n\"x\" = \"quay.io/x\"\n", "drop-in.conf"));
  EXPECT_EQ(config.unqualified_search_registries.size(), 2u);
}

TEST(RegistriesConfigParse, ReadsMirrors) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  const auto* entry = config.find("mirrored.test/team/app");
  ASSERT_NE(entry, nullptr);
  ASSERT_EQ(entry->mirrors.size(), 4u);
  EXPECT_EQ(entry->mirrors[0].location, "127.0.0.1:5096/first") << "trailing slash removed";
  EXPECT_FALSE(entry->mirrors[0].insecure);
  EXPECT_TRUE(entry->mirrors[1].insecure);
  EXPECT_EQ(entry->mirrors[2].pull_from_mirror, PullFromMirror::kDigestOnly);
  EXPECT_EQ(entry->mirrors[3].pull_from_mirror, PullFromMirror::kTagOnly);
}

TEST(RegistriesConfigParse, ShortNameModes) {
  EXPECT_EQ(RegistriesConfig::parse("", "a").short_name_mode, std::nullopt);
  EXPECT_EQ(RegistriesConfig::parse("", "a").effective_short_name_mode(),
            ShortNameMode::kPermissive);
  EXPECT_EQ(RegistriesConfig::parse("short-name-mode = \"enforcing\"", "a").short_name_mode,
            ShortNameMode::kEnforcing);
  EXPECT_EQ(RegistriesConfig::parse("short-name-mode = \"permissive\"", "a").short_name_mode,
            ShortNameMode::kPermissive);
  EXPECT_EQ(RegistriesConfig::parse("short-name-mode = \"disabled\"", "a").short_name_mode,
            ShortNameMode::kDisabled);
}

// Expects parse() to throw kInvalidArgument with every fragment in the message.
void expect_invalid(const std::string& text, const std::vector<std::string>& fragments) {
  try {
    RegistriesConfig::parse(text, "/x/bad.conf");
    FAIL() << "expected an error for: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    for (const auto& fragment : fragments) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "[" << fragment << "] not in [" << e.what() << "]";
    }
  }
}

TEST(RegistriesConfigParse, RejectsInvalidValues) {
  expect_invalid("short-name-mode = \"bogus\"", {"/x/bad.conf", "short-name-mode", "bogus"});
  expect_invalid("[[registry]]\nprefix = \"a.test\"\n", {"a.test", "has no location"});
  expect_invalid("[[registry]]\nprefix = \"*.a.test/x\"\n", {"*.a.test/x", "wildcard"});
  expect_invalid("[[registry]]\nprefix = \"a.*.test\"\nlocation = \"b.test\"\n",
                 {"a.*.test", "wildcard"});
  expect_invalid("[[registry]]\nlocation = \"a.test\"\n[[registry.mirror]]\ninsecure = true\n",
                 {"a.test", "no location"});
  expect_invalid(
      "[[registry]]\nlocation = \"a.test\"\n[[registry.mirror]]\nlocation = \"m.test\"\n"
      "pull-from-mirror = \"bad\"\n",
      {"pull-from-mirror", "bad", "m.test"});
  expect_invalid(
      "[[registry]]\nlocation = \"a.test\"\nmirror-by-digest-only = true\n"
      "[[registry.mirror]]\nlocation = \"m.test\"\npull-from-mirror = \"all\"\n",
      {"mirror-by-digest-only", "m.test"});
}

TEST(RegistriesConfigParse, RejectsConflictingLocation) {
  expect_invalid(
      "[[registry]]\nprefix = \"a.test\"\nlocation = \"r.test\"\ninsecure = true\n"
      "[[registry]]\nlocation = \"r.test\"\n",
      {"r.test", "insecure"});
  expect_invalid(
      "[[registry]]\nprefix = \"a.test\"\nlocation = \"r.test\"\nblocked = true\n"
      "[[registry]]\nlocation = \"r.test\"\n",
      {"r.test", "blocked"});
}

TEST(RegistriesConfigParse, RejectsInvalidAliases) {
  expect_invalid("[aliases]\n\"a:1\" = \"r.test/a\"\n", {"a:1", "tag"});
  expect_invalid("[aliases]\n\"r.test/a\" = \"r.test/a\"\n", {"r.test/a", "short name"});
  expect_invalid("[aliases]\n\"a\" = \"team/a\"\n", {"team/a", "registry"});
  expect_invalid("[aliases]\n\"a\" = \"r.test/a:1\"\n", {"r.test/a:1", "tag"});
  expect_invalid("[aliases]\n\"a\" = 3\n", {"\"a\"", "string"});
}

TEST(RegistriesConfigParse, ReadsVersionOneTables) {
  RegistriesConfig config = RegistriesConfig::parse(R"(
[registries.search]
registries = ["r1.test", "r2.test"]
[registries.insecure]
registries = ["r2.test"]
[registries.block]
registries = ["bad.test"]
)",
                                                    "v1.conf");
  ASSERT_EQ(config.unqualified_search_registries.size(), 2u);
  EXPECT_EQ(config.unqualified_search_registries[1], "r2.test");
  ASSERT_NE(config.find("r2.test/app"), nullptr);
  EXPECT_TRUE(config.find("r2.test/app")->insecure);
  ASSERT_NE(config.find("bad.test/app"), nullptr);
  EXPECT_TRUE(config.find("bad.test/app")->blocked);
  EXPECT_EQ(config.find("r1.test/app"), nullptr);
}

TEST(RegistriesConfigParse, RejectsMixedVersions) {
  expect_invalid("unqualified-search-registries = [\"a.test\"]\n[registries.search]\n"
                 "registries = [\"b.test\"]\n",
                 {"version 1"});
}

TEST(RegistriesConfigFind, PortIsNoBoundary) {
  RegistriesConfig config =
      RegistriesConfig::parse("[[registry]]\nlocation = \"r.test\"\nblocked = true\n", "a");
  EXPECT_EQ(config.find("r.test:5000/app"), nullptr);
  ASSERT_NE(config.find("r.test/app:1"), nullptr);
  ASSERT_NE(config.find("r.test/app@sha256:00"), nullptr);
}

TEST(RegistriesConfigFind, TagBoundaryAfterRepository) {
  RegistriesConfig config = RegistriesConfig::parse(
      "[[registry]]\nprefix = \"r.test/app\"\nlocation = \"r.test/app\"\nblocked = true\n", "a");
  ASSERT_NE(config.find("r.test/app:1"), nullptr);
  EXPECT_TRUE(config.find("r.test/app:1")->blocked);
  EXPECT_EQ(config.find("r.test/apple:1"), nullptr);
}

TEST(RegistriesConfigPullSources, MirrorsThenPrimary) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  auto sources = config.pull_sources("mirrored.test/team/app:1");
  ASSERT_EQ(sources.size(), 4u) << "the digest-only mirror is skipped for a tag";
  EXPECT_EQ(sources[0].reference, "127.0.0.1:5096/first/app:1");
  EXPECT_TRUE(sources[0].mirror);
  EXPECT_FALSE(sources[0].insecure);
  EXPECT_EQ(sources[1].reference, "127.0.0.1:5000/second/app:1");
  EXPECT_TRUE(sources[1].insecure);
  EXPECT_EQ(sources[2].reference, "127.0.0.1:5002/app:1");
  EXPECT_EQ(sources[3].reference, "127.0.0.1:5000/primary/app:1");
  EXPECT_FALSE(sources[3].mirror);
}

TEST(RegistriesConfigPullSources, DigestSkipsTagOnlyMirror) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  std::string digest = "@sha256:" + std::string(64, 'a');
  auto sources = config.pull_sources("mirrored.test/team/app" + digest);
  ASSERT_EQ(sources.size(), 4u);
  EXPECT_EQ(sources[2].reference, "127.0.0.1:5001/app" + digest);
  EXPECT_EQ(sources[3].reference, "127.0.0.1:5000/primary/app" + digest);
}

TEST(RegistriesConfigPullSources, MirrorByDigestOnly) {
  RegistriesConfig config = RegistriesConfig::parse(R"(
[[registry]]
prefix = "a.test"
location = "127.0.0.1:5000"
mirror-by-digest-only = true
[[registry.mirror]]
location = "127.0.0.1:5096"
)",
                                                    "a");
  auto by_tag = config.pull_sources("a.test/app:1");
  ASSERT_EQ(by_tag.size(), 1u);
  EXPECT_EQ(by_tag[0].reference, "127.0.0.1:5000/app:1");
  auto by_digest = config.pull_sources("a.test/app@sha256:" + std::string(64, 'b'));
  ASSERT_EQ(by_digest.size(), 2u);
  EXPECT_TRUE(by_digest[0].mirror);
}

TEST(RegistriesConfigPullSources, WildcardAndUnmatched) {
  RegistriesConfig config = RegistriesConfig::parse(R"(
[[registry]]
prefix = "*.corp.test"
insecure = true
[[registry.mirror]]
location = "127.0.0.1:5000/cache"
)",
                                                    "a");
  auto sources = config.pull_sources("eu.corp.test/team/app:1");
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].reference, "127.0.0.1:5000/cache/team/app:1");
  EXPECT_EQ(sources[1].reference, "eu.corp.test/team/app:1") << "no location keeps the name";
  EXPECT_TRUE(sources[1].insecure);

  auto plain = config.pull_sources("other.test/app:1");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].reference, "other.test/app:1");
  EXPECT_FALSE(plain[0].insecure);
}

TEST(RegistriesConfigMerge, EmptyAliasErases) {
  RegistriesConfig config = RegistriesConfig::parse(kSample, "sample.conf");
  EXPECT_EQ(config.alias_sources["busybox"], "sample.conf");
  config.merge(RegistriesConfig::parse("[aliases]\n\"busybox\" = \"\"\n", "drop-in.conf"));
  EXPECT_EQ(config.find_alias("busybox"), std::nullopt);
  EXPECT_EQ(config.alias_sources.count("busybox"), 0u);
}

TEST(RegistriesConfigMerge, LaterModeWins) {
  RegistriesConfig config = RegistriesConfig::parse("short-name-mode = \"enforcing\"", "a");
  config.merge(RegistriesConfig::parse("", "b"));
  EXPECT_EQ(config.short_name_mode, ShortNameMode::kEnforcing);
  config.merge(RegistriesConfig::parse("short-name-mode = \"disabled\"", "c"));
  EXPECT_EQ(config.short_name_mode, ShortNameMode::kDisabled);
}

// A temporary directory removed at the end of a test.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "berth-registries-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& relative, const std::string& text) const {
    auto path = path_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }
  std::string path(const std::string& relative) const { return (path_ / relative).string(); }

 private:
  std::filesystem::path path_;
};

TEST(RegistriesConfigLoad, DropInsInNameOrder) {
  TempDir dir;
  RegistriesPaths paths;
  paths.main_file = dir.write("main.conf",
                              "unqualified-search-registries = [\"a.test\", \"b.test\"]\n"
                              "[aliases]\n\"app\" = \"a.test/app\"\n\"tool\" = \"a.test/tool\"\n");
  dir.write("d/20-late.conf", "unqualified-search-registries = [\"late.test\"]\n");
  dir.write("d/10-early.conf",
            "unqualified-search-registries = [\"early.test\"]\n"
            "short-name-mode = \"enforcing\"\n[aliases]\n\"app\" = \"early.test/app\"\n");
  dir.write("d/99-ignored.txt", "not toml [");
  dir.write("e/00-second-dir.conf", "[aliases]\n\"tool\" = \"\"\n");
  paths.drop_in_dirs = {dir.path("d"), dir.path("missing"), dir.path("e")};

  RegistriesConfig config = RegistriesConfig::load(paths);
  ASSERT_EQ(config.unqualified_search_registries.size(), 1u);
  EXPECT_EQ(config.unqualified_search_registries[0], "late.test");
  EXPECT_EQ(config.search_registries_source, dir.path("d/20-late.conf"));
  EXPECT_EQ(config.short_name_mode, ShortNameMode::kEnforcing);
  EXPECT_EQ(config.find_alias("app"), "early.test/app");
  EXPECT_EQ(config.alias_sources["app"], dir.path("d/10-early.conf"));
  EXPECT_EQ(config.find_alias("tool"), std::nullopt);
}

TEST(RegistriesConfigLoad, AliasCacheOverridesFiles) {
  TempDir dir;
  RegistriesPaths paths;
  paths.main_file = dir.write("main.conf",
                              "unqualified-search-registries = [\"a.test\"]\n"
                              "[aliases]\n\"app\" = \"a.test/app\"\n");
  paths.alias_cache = dir.write("cache.conf",
                                "unqualified-search-registries = [\"ignored.test\"]\n"
                                "[aliases]\n\"app\" = \"b.test/app\"\n");
  RegistriesConfig config = RegistriesConfig::load(paths);
  EXPECT_EQ(config.find_alias("app"), "b.test/app");
  EXPECT_EQ(config.alias_sources["app"], paths.alias_cache);
  ASSERT_EQ(config.unqualified_search_registries.size(), 1u);
  EXPECT_EQ(config.unqualified_search_registries[0], "a.test");
}

TEST(RegistriesConfigLoad, InvalidDropInNamesFile) {
  TempDir dir;
  RegistriesPaths paths;
  paths.drop_in_dirs = {dir.path("d")};
  std::string bad = dir.write("d/bad.conf", "short-name-mode = \"loose\"\n");
  try {
    RegistriesConfig::load(paths);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

// Sets an environment variable for one scope and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(RegistriesPaths, EnvironmentFileKeepsDropIns) {
  TempDir dir;
  ScopedEnv home("HOME", dir.path("home"));
  dir.write("home/.config/containers/registries.conf", "");
  ScopedEnv file("CONTAINERS_REGISTRIES_CONF", dir.path("env.conf"));
  RegistriesPaths paths = RegistriesPaths::default_for_process();
  EXPECT_EQ(paths.main_file, dir.path("env.conf"));
  ASSERT_EQ(paths.drop_in_dirs.size(), 2u);
  EXPECT_EQ(paths.drop_in_dirs[0], "/etc/containers/registries.conf.d");
  EXPECT_EQ(paths.drop_in_dirs[1], dir.path("home/.config/containers/registries.conf.d"));
}

TEST(RegistriesPaths, UserFileReplacesSystemFile) {
  TempDir dir;
  ScopedEnv home("HOME", dir.path("home"));
  ::unsetenv("CONTAINERS_REGISTRIES_CONF");
  std::string user_file = dir.write("home/.config/containers/registries.conf", "");
  RegistriesPaths paths = RegistriesPaths::default_for_process();
  EXPECT_EQ(paths.main_file, user_file);
  ASSERT_EQ(paths.drop_in_dirs.size(), 1u);
  EXPECT_EQ(paths.drop_in_dirs[0], dir.path("home/.config/containers/registries.conf.d"));
}

TEST(RegistriesPaths, SystemFileWithoutUserFile) {
  TempDir dir;
  ScopedEnv home("HOME", dir.path("home"));
  ::unsetenv("CONTAINERS_REGISTRIES_CONF");
  RegistriesPaths paths = RegistriesPaths::default_for_process();
  EXPECT_EQ(paths.main_file, "/etc/containers/registries.conf");
  ASSERT_EQ(paths.drop_in_dirs.size(), 2u);
  EXPECT_EQ(paths.drop_in_dirs[0], "/etc/containers/registries.conf.d");
}

}  // namespace
}  // namespace berth::config
