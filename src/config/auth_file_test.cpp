#include "config/auth_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::config {
namespace {

// base64("tester:tester-pass") and base64("hub:hub-pass").
constexpr const char* kTesterAuth = "dGVzdGVyOnRlc3Rlci1wYXNz";
constexpr const char* kHubAuth = "aHViOmh1Yi1wYXNz";

class AuthFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("berth-auth-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(AuthFilePath, FlagWinsOverEnvironment) {
  AuthEnvironment env;
  env.registry_auth_file = "/env/auth.json";
  env.xdg_runtime_dir = "/run/user/1000";
  EXPECT_EQ(auth_file_path("/flag/auth.json", env), "/flag/auth.json");
}

TEST(AuthFilePath, RegistryAuthFileBeforeRuntimeDir) {
  AuthEnvironment env;
  env.registry_auth_file = "/env/auth.json";
  env.xdg_runtime_dir = "/run/user/1000";
  EXPECT_EQ(auth_file_path("", env), "/env/auth.json");
}

TEST(AuthFilePath, RuntimeDirThenUidDefault) {
  AuthEnvironment env;
  env.xdg_runtime_dir = "/run/user/1000";
  env.uid = 1000;
  EXPECT_EQ(auth_file_path("", env), "/run/user/1000/containers/auth.json");
  env.xdg_runtime_dir.clear();
  EXPECT_EQ(auth_file_path("", env), "/run/containers/1000/auth.json");
  env.uid = 0;
  EXPECT_EQ(auth_file_path("", env), "/run/containers/0/auth.json");
}

TEST(AuthReadSources, DefaultIncludesDockerFallbacks) {
  AuthEnvironment env;
  env.home = "/home/u";
  env.uid = 0;
  auto sources = auth_read_sources("", env);
  ASSERT_EQ(sources.size(), 4u);
  EXPECT_EQ(sources[0].path, "/run/containers/0/auth.json");
  EXPECT_EQ(sources[1].path, "/home/u/.config/containers/auth.json");
  EXPECT_EQ(sources[2].path, "/home/u/.docker/config.json");
  EXPECT_FALSE(sources[2].legacy_format);
  EXPECT_EQ(sources[3].path, "/home/u/.dockercfg");
  EXPECT_TRUE(sources[3].legacy_format);

  env.xdg_config_home = "/cfg";
  env.docker_config = "/dockercfg-dir";
  sources = auth_read_sources("", env);
  ASSERT_EQ(sources.size(), 4u);
  EXPECT_EQ(sources[1].path, "/cfg/containers/auth.json");
  EXPECT_EQ(sources[2].path, "/dockercfg-dir/config.json");
}

TEST(AuthReadSources, ChosenFileIsTheOnlySource) {
  AuthEnvironment env;
  env.home = "/home/u";
  auto sources = auth_read_sources("/flag/auth.json", env);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].path, "/flag/auth.json");

  env.registry_auth_file = "/env/auth.json";
  sources = auth_read_sources("", env);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].path, "/env/auth.json");
}

TEST(AuthKeyRegistry, AcceptsDockerStyleKeys) {
  EXPECT_EQ(auth_key_registry("quay.io"), "quay.io");
  EXPECT_EQ(auth_key_registry("127.0.0.1:5443"), "127.0.0.1:5443");
  EXPECT_EQ(auth_key_registry("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(auth_key_registry("http://registry.example:5000/v2/"), "registry.example:5000");
  EXPECT_EQ(auth_key_registry("registry.example/v1/"), "registry.example");
  EXPECT_EQ(auth_key_registry("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(auth_key_registry("quay.io/team/app"), std::nullopt);
  EXPECT_EQ(auth_key_registry(""), std::nullopt);
}

TEST(AuthFileFind, PicksMostSpecificKey) {
  auto file = AuthFile::parse(fmt::format(R"({{"auths": {{
      "reg.example": {{"auth": "{0}"}},
      "reg.example/team": {{"auth": "{1}"}}
    }}}})",
                                          kTesterAuth, kHubAuth),
                              "/test/auth.json");
  auto team = file.find("reg.example/team/app");
  ASSERT_TRUE(team.has_value());
  EXPECT_EQ(team->username, "hub");
  EXPECT_EQ(team->password, "hub-pass");

  auto other = file.find("reg.example/other/app");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->username, "tester");
  EXPECT_EQ(other->password, "tester-pass");

  auto registry = file.find("reg.example");
  ASSERT_TRUE(registry.has_value());
  EXPECT_EQ(registry->username, "tester");

  EXPECT_FALSE(file.find("other.example/team/app").has_value());
  EXPECT_FALSE(file.find("reg.example.com").has_value()) << "keys match whole path parts";
}

TEST(AuthFileFind, MatchesDockerHubUrlKey) {
  auto file = AuthFile::parse(
      fmt::format(R"({{"auths": {{"https://index.docker.io/v1/": {{"auth": "{}"}}}}}})", kHubAuth),
      "/test/config.json");
  auto hub = file.find("docker.io/library/busybox");
  ASSERT_TRUE(hub.has_value());
  EXPECT_EQ(hub->username, "hub");
  EXPECT_EQ(hub->password, "hub-pass");
  EXPECT_TRUE(file.find("docker.io").has_value());
  EXPECT_FALSE(file.find("quay.io").has_value());
}

TEST(AuthFileFind, RepositoryKeyDoesNotServeOtherRepositories) {
  auto file = AuthFile::parse(
      fmt::format(R"({{"auths": {{"reg.example/team/app": {{"auth": "{}"}}}}}})", kTesterAuth),
      "/test/auth.json");
  EXPECT_TRUE(file.find("reg.example/team/app").has_value());
  EXPECT_FALSE(file.find("reg.example/team/other").has_value());
  EXPECT_FALSE(file.find("reg.example").has_value());
}

TEST(AuthFileFind, SkipsEntriesWithoutAuth) {
  auto file = AuthFile::parse(
      fmt::format(R"({{"auths": {{"reg.example/team": {{}}, "reg.example": {{"auth": "{}"}}}}}})",
                  kTesterAuth),
      "/test/auth.json");
  auto found = file.find("reg.example/team/app");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->username, "tester");
}

TEST(AuthFileFind, PasswordMayContainColons) {
  AuthFile file = AuthFile::parse("{}", "/test/auth.json");
  file.set("reg.example", {"user", "pa:ss:word"});
  auto found = file.find("reg.example");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->username, "user");
  EXPECT_EQ(found->password, "pa:ss:word");
}

TEST(AuthFileFind, BadBase64NamesFileAndEntry) {
  auto file = AuthFile::parse(R"({"auths": {"reg.example": {"auth": "not base64!"}}})",
                              "/test/auth.json");
  try {
    file.find("reg.example/app");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("/test/auth.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"reg.example\""), std::string::npos) << e.what();
  }
}

TEST(AuthFileFind, AuthWithoutColonIsInvalid) {
  // base64("nocolon")
  auto file = AuthFile::parse(R"({"auths": {"reg.example": {"auth": "bm9jb2xvbg=="}}})",
                              "/test/auth.json");
  EXPECT_THROW(file.find("reg.example"), Error);
}

TEST(AuthFileParse, MalformedFileNamesPath) {
  for (std::string_view text : {"{not json", "[]", R"({"auths": []})"}) {
    try {
      AuthFile::parse(text, "/test/broken.json");
      FAIL() << "expected an error for " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << text;
      EXPECT_NE(std::string(e.what()).find("/test/broken.json"), std::string::npos) << e.what();
    }
  }
}

TEST(AuthFileParse, EmptyTextIsEmptyDocument) {
  auto file = AuthFile::parse("\n", "/test/auth.json");
  EXPECT_FALSE(file.find("reg.example").has_value());
}

TEST_F(AuthFileTest, MissingFileLoadsEmpty) {
  auto file = AuthFile::load(path("absent.json"));
  EXPECT_EQ(file.path(), path("absent.json"));
  EXPECT_FALSE(file.find("reg.example").has_value());
}

TEST_F(AuthFileTest, SaveWritesPrivateFileAndDirectories) {
  std::string target = path("containers/sub/auth.json");
  auto file = AuthFile::load(target);
  file.set("127.0.0.1:5443", {"tester", "tester-pass"});
  file.save();

  EXPECT_EQ(mode_of(target), 0600u);
  EXPECT_EQ(mode_of(path("containers")), 0700u);
  EXPECT_EQ(mode_of(path("containers/sub")), 0700u);
  auto saved = nlohmann::json::parse(os::read_file(target));
  EXPECT_EQ(saved["auths"]["127.0.0.1:5443"]["auth"], kTesterAuth);
  EXPECT_EQ(saved["auths"].size(), 1u);
}

TEST_F(AuthFileTest, SavePreservesUnknownKeysAndEntries) {
  std::string target = path("auth.json");
  os::write_file_atomic(target, R"({
    "auths": {
      "quay.io": {"auth": "aHViOmh1Yi1wYXNz", "email": "a@b.example"},
      "reg.example": {"auth": "b2xkOm9sZA=="}
    },
    "credHelpers": {"gcr.io": "gcloud"},
    "HttpHeaders": {"User-Agent": "x"}
  })",
                         0644);
  auto file = AuthFile::load(target);
  file.set("reg.example", {"tester", "tester-pass"});
  file.save();

  EXPECT_EQ(mode_of(target), 0600u) << "an existing file is tightened to 0600";
  auto saved = nlohmann::json::parse(os::read_file(target));
  EXPECT_EQ(saved["auths"]["reg.example"]["auth"], kTesterAuth);
  EXPECT_EQ(saved["auths"]["quay.io"]["email"], "a@b.example");
  EXPECT_EQ(saved["credHelpers"]["gcr.io"], "gcloud");
  EXPECT_EQ(saved["HttpHeaders"]["User-Agent"], "x");
}

TEST_F(AuthFileTest, RemoveOneEntry) {
  std::string target = path("auth.json");
  auto file = AuthFile::load(target);
  file.set("reg.example", {"a", "b"});
  file.set("reg.example/team/app", {"c", "d"});
  file.set("quay.io", {"e", "f"});
  file.save();

  auto reloaded = AuthFile::load(target);
  EXPECT_TRUE(reloaded.remove("reg.example/team/app"));
  EXPECT_FALSE(reloaded.remove("reg.example/team/app")) << "already removed";
  EXPECT_FALSE(reloaded.remove("absent.example"));
  reloaded.save();

  auto saved = nlohmann::json::parse(os::read_file(target));
  EXPECT_FALSE(saved["auths"].contains("reg.example/team/app"));
  EXPECT_TRUE(saved["auths"].contains("reg.example"));
  EXPECT_TRUE(saved["auths"].contains("quay.io"));
}

TEST_F(AuthFileTest, RemoveRegistryTakesUrlKeys) {
  auto file = AuthFile::parse(
      fmt::format(R"({{"auths": {{"https://index.docker.io/v1/": {{"auth": "{0}"}},
                                  "docker.io/team/app": {{"auth": "{0}"}}}}}})",
                  kHubAuth),
      path("config.json"));
  EXPECT_TRUE(file.remove("docker.io"));
  EXPECT_FALSE(file.find("docker.io").has_value());
  EXPECT_TRUE(file.find("docker.io/team/app").has_value()) << "repository entries stay";
}

TEST_F(AuthFileTest, RemoveAllKeepsOtherKeys) {
  std::string target = path("auth.json");
  os::write_file_atomic(
      target, R"({"auths": {"a.example": {"auth": "YTpi"}, "b.example": {"auth": "YTpi"}},
                  "credHelpers": {"gcr.io": "gcloud"}})");
  auto file = AuthFile::load(target);
  file.remove_all();
  file.save();
  auto saved = nlohmann::json::parse(os::read_file(target));
  EXPECT_TRUE(saved["auths"].empty());
  EXPECT_EQ(saved["credHelpers"]["gcr.io"], "gcloud");
}

TEST_F(AuthFileTest, MalformedFileOnDiskNamesPath) {
  std::string target = path("auth.json");
  os::write_file_atomic(target, "{\"auths\": ");
  try {
    AuthFile::load(target);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(target), std::string::npos) << e.what();
  }
}

TEST_F(AuthFileTest, FindCredentialsFallsBackToDockerConfig) {
  AuthEnvironment env;
  env.xdg_runtime_dir = path("run");
  env.home = path("home");
  std::filesystem::create_directories(path("home/.docker"));
  os::write_file_atomic(
      path("home/.docker/config.json"),
      fmt::format(R"({{"auths": {{"https://index.docker.io/v1/": {{"auth": "{}"}}}}}})", kHubAuth));

  auto sources = auth_read_sources("", env);
  auto found = find_credentials(sources, "docker.io/library/busybox");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->credentials.username, "hub");
  EXPECT_EQ(found->path, path("home/.docker/config.json"));

  // The primary auth file wins once it has an entry.
  auto primary = AuthFile::load(auth_file_path("", env));
  primary.set("docker.io", {"tester", "tester-pass"});
  primary.save();
  found = find_credentials(auth_read_sources("", env), "docker.io/library/busybox");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->credentials.username, "tester");
  EXPECT_EQ(found->path, path("run/containers/auth.json"));
}

TEST_F(AuthFileTest, FindCredentialsReadsLegacyDockercfg) {
  AuthEnvironment env;
  env.xdg_runtime_dir = path("run");
  env.home = path("home");
  std::filesystem::create_directories(path("home"));
  os::write_file_atomic(path("home/.dockercfg"),
                        fmt::format(R"({{"https://quay.io": {{"auth": "{}", "email": ""}}}})",
                                    kTesterAuth));
  auto found = find_credentials(auth_read_sources("", env), "quay.io/team/app");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->credentials.username, "tester");
  EXPECT_FALSE(find_credentials(auth_read_sources("", env), "reg.example").has_value());
}

TEST_F(AuthFileTest, FindCredentialsWithAuthfileIgnoresDockerConfig) {
  AuthEnvironment env;
  env.home = path("home");
  std::filesystem::create_directories(path("home/.docker"));
  os::write_file_atomic(path("home/.docker/config.json"),
                        fmt::format(R"({{"auths": {{"quay.io": {{"auth": "{}"}}}}}})", kHubAuth));
  EXPECT_FALSE(find_credentials(auth_read_sources(path("mine.json"), env), "quay.io").has_value());
}

}  // namespace
}  // namespace berth::config
