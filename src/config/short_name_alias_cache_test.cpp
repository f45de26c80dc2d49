#include "config/short_name_alias_cache.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "config/registries.hpp"
#include "os/file.hpp"

namespace berth::config {
namespace {

// A temporary directory removed at the end of a test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "berth-alias-cache-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string path(const std::string& relative) const { return (path_ / relative).string(); }

 private:
  std::filesystem::path path_;
};

TEST(SetAliasInCacheText, EmptyTextGetsAliasesTable) {
  std::string text = set_alias_in_cache_text("", "cache.conf", "app", "a.test/app");
  EXPECT_EQ(text, "[aliases]\napp = \"a.test/app\"\n");
  RegistriesConfig parsed = RegistriesConfig::parse(text, "cache.conf");
  EXPECT_EQ(parsed.find_alias("app"), "a.test/app");
}

TEST(SetAliasInCacheText, KeepsOtherAliases) {
  std::string existing = "[aliases]\n  tool = \"b.test/tool\"\n  app = \"old.test/app\"\n";
  std::string text = set_alias_in_cache_text(existing, "cache.conf", "app", "a.test/app");
  RegistriesConfig parsed = RegistriesConfig::parse(text, "cache.conf");
  EXPECT_EQ(parsed.aliases.size(), 2u);
  EXPECT_EQ(parsed.find_alias("app"), "a.test/app");
  EXPECT_EQ(parsed.find_alias("tool"), "b.test/tool");
}

TEST(SetAliasInCacheText, KeepsOtherTables) {
  std::string existing = "unqualified-search-registries = [\"c.test\"]\n";
  std::string text = set_alias_in_cache_text(existing, "cache.conf", "app", "a.test/app");
  RegistriesConfig parsed = RegistriesConfig::parse(text, "cache.conf");
  ASSERT_EQ(parsed.unqualified_search_registries.size(), 1u);
  EXPECT_EQ(parsed.unqualified_search_registries[0], "c.test");
  EXPECT_EQ(parsed.find_alias("app"), "a.test/app");
}

TEST(SetAliasInCacheText, QuotesKeysWithSlash) {
  std::string text =
      set_alias_in_cache_text("", "cache.conf", "team/app", "127.0.0.1:5000/team/app");
  EXPECT_NE(text.find("\"team/app\" = \"127.0.0.1:5000/team/app\""), std::string::npos) << text;
  RegistriesConfig parsed = RegistriesConfig::parse(text, "cache.conf");
  EXPECT_EQ(parsed.find_alias("team/app"), "127.0.0.1:5000/team/app");
}

TEST(SetAliasInCacheText, InvalidTomlNamesSource) {
  try {
    set_alias_in_cache_text("[aliases\n", "/cache/short-name-aliases.conf", "app", "a.test/app");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("/cache/short-name-aliases.conf"), std::string::npos)
        << e.what();
  }
}

TEST(SetAliasInCacheText, AliasesNotTableRejected) {
  try {
    set_alias_in_cache_text("aliases = 3\n", "cache.conf", "app", "a.test/app");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("\"aliases\" must be a table"), std::string::npos)
        << e.what();
  }
}

TEST(SetAliasInCacheText, InvalidTargetRejected) {
  EXPECT_THROW(set_alias_in_cache_text("", "cache.conf", "app", "app"), Error)
      << "a target without a registry";
  EXPECT_THROW(set_alias_in_cache_text("", "cache.conf", "app", "a.test/app:1"), Error)
      << "a target with a tag";
  EXPECT_THROW(set_alias_in_cache_text("", "cache.conf", "a.test/app", "a.test/app"), Error)
      << "a name with a registry";
}

TEST(RecordShortNameAlias, CreatesDirectoryAndFile) {
  ScratchDir dir;
  std::string path = dir.path("cache/containers/short-name-aliases.conf");
  record_short_name_alias(path, "app", "a.test/app");

  std::string text = os::read_file(path);
  EXPECT_EQ(text, "[aliases]\napp = \"a.test/app\"\n");
  struct stat file_stat {};
  ASSERT_EQ(::stat(path.c_str(), &file_stat), 0);
  EXPECT_EQ(file_stat.st_mode & 07777, 0600u);
  struct stat dir_stat {};
  ASSERT_EQ(::stat(dir.path("cache/containers").c_str(), &dir_stat), 0);
  EXPECT_EQ(dir_stat.st_mode & 07777, 0700u);
}

TEST(RecordShortNameAlias, MergesWithExistingFile) {
  ScratchDir dir;
  std::string path = dir.path("short-name-aliases.conf");
  std::ofstream(path) << "[aliases]\n  tool = \"b.test/tool\"\n";
  record_short_name_alias(path, "app", "a.test/app");
  record_short_name_alias(path, "tool", "c.test/tool");

  RegistriesPaths paths;
  paths.alias_cache = path;
  RegistriesConfig config = RegistriesConfig::load(paths);
  EXPECT_EQ(config.find_alias("app"), "a.test/app");
  EXPECT_EQ(config.find_alias("tool"), "c.test/tool");
  EXPECT_EQ(config.alias_sources["app"], path);
  EXPECT_EQ(config.alias_cache_path, path);
}

TEST(RecordShortNameAlias, ConcurrentRecordsAllKept) {
  ScratchDir dir;
  std::string path = dir.path("short-name-aliases.conf");
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&path, i] {
      std::string name = "app" + std::to_string(i);
      record_short_name_alias(path, name, "a.test/" + name);
    });
  }
  for (auto& thread : threads) thread.join();

  RegistriesConfig parsed = RegistriesConfig::parse(os::read_file(path), path);
  EXPECT_EQ(parsed.aliases.size(), 8u);
}

TEST(RecordShortNameAlias, InvalidExistingFileUnchanged) {
  ScratchDir dir;
  std::string path = dir.path("short-name-aliases.conf");
  std::ofstream(path) << "not toml [";
  try {
    record_short_name_alias(path, "app", "a.test/app");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("recording short-name alias \"app\""), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(os::read_file(path), "not toml [");
}

TEST(RegistriesPathsAliasCache, EnvironmentOverride) {
  const char* old = std::getenv("BERTH_SHORT_NAME_ALIAS_CACHE");
  std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;

  ::unsetenv("BERTH_SHORT_NAME_ALIAS_CACHE");
  std::string default_cache = RegistriesPaths::default_for_process().alias_cache;
  ::setenv("BERTH_SHORT_NAME_ALIAS_CACHE", "/tmp/berth-test-aliases.conf", 1);
  EXPECT_EQ(RegistriesPaths::default_for_process().alias_cache, "/tmp/berth-test-aliases.conf");
  ::setenv("BERTH_SHORT_NAME_ALIAS_CACHE", "", 1);
  EXPECT_EQ(RegistriesPaths::default_for_process().alias_cache, default_cache)
      << "an empty value falls back to the default file";

  if (saved) {
    ::setenv("BERTH_SHORT_NAME_ALIAS_CACHE", saved->c_str(), 1);
  } else {
    ::unsetenv("BERTH_SHORT_NAME_ALIAS_CACHE");
  }
}

}  // namespace
}  // namespace berth::config
