#include "config/registries_d.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace berth::config {
namespace {

constexpr const char* kFile = R"(
default-docker:
  lookaside: https://sigs.example.com/default
docker:
  registry.example.com:
    lookaside: https://registry-lookaside.example.com
  registry.example.com/dept:
    lookaside: https://dept.example.com
    lookaside-staging: file:///mnt/staging
  registry.example.com/dept/app:branch:
    sigstore: http://localhost:4242/lookaside
    sigstore-staging: file:///home/user/lookaside
)";

TEST(RegistriesD, MostSpecificScopeWins) {
  RegistriesD config;
  config.add(kFile, "a.yaml");
  auto tagged = config.find("registry.example.com/dept/app:branch");
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->lookaside, "http://localhost:4242/lookaside");
  EXPECT_EQ(tagged->lookaside_staging, "file:///home/user/lookaside");
  auto dept = config.find("registry.example.com/dept/app:other");
  ASSERT_TRUE(dept);
  EXPECT_EQ(dept->lookaside, "https://dept.example.com");
  auto host = config.find("registry.example.com/x/y:1");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->lookaside, "https://registry-lookaside.example.com");
  EXPECT_EQ(host->lookaside_staging, "");
  auto other = config.find("quay.io/x:1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->lookaside, "https://sigs.example.com/default");
}

TEST(RegistriesD, StagingFallsBackToLookaside) {
  RegistriesD config;
  config.add(kFile, "a.yaml");
  ConfigEnvironment env;
  auto urls = lookaside_urls(config, "registry.example.com/x/y:1", env, 0);
  EXPECT_EQ(urls.read, "https://registry-lookaside.example.com");
  EXPECT_EQ(urls.write, "https://registry-lookaside.example.com");
  urls = lookaside_urls(config, "registry.example.com/dept/app:1", env, 0);
  EXPECT_EQ(urls.write, "file:///mnt/staging");
}

TEST(RegistriesD, BuiltInStoreWithoutSections) {
  RegistriesD config;
  ConfigEnvironment env{"", "/home/u", ""};
  auto root = lookaside_urls(config, "quay.io/x:1", env, 0);
  EXPECT_EQ(root.read, "file:///var/lib/containers/sigstore");
  auto user = lookaside_urls(config, "quay.io/x:1", env, 1000);
  EXPECT_EQ(user.write, "file:///home/u/.local/share/containers/sigstore");
}

TEST(RegistriesD, DuplicateSectionsAcrossFiles) {
  RegistriesD config;
  config.add("docker:\n  quay.io:\n    lookaside: file:///a\n", "a.yaml");
  EXPECT_THROW(config.add("docker:\n  quay.io:\n    lookaside: file:///b\n", "b.yaml"), Error);
  config.add("default-docker:\n  lookaside: file:///c\n", "c.yaml");
  EXPECT_THROW(config.add("default-docker:\n  lookaside: file:///d\n", "d.yaml"), Error);
}

TEST(RegistriesD, InvalidYaml) {
  RegistriesD config;
  try {
    config.add("docker: [unclosed", "bad.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("bad.yaml"), std::string::npos) << e.what();
  }
  EXPECT_THROW(config.add("- a\n- b\n", "list.yaml"), Error);
  EXPECT_THROW(config.add("docker:\n  q:\n    lookaside: file:///a\n    sigstore: file:///b\n",
                          "both.yaml"),
               Error);
}

TEST(RegistriesD, LoadsDirectoryInNameOrder) {
  auto dir = std::filesystem::temp_directory_path() / "berth-registries-d-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "b.yaml") << "docker:\n  quay.io:\n    lookaside: file:///q\n";
  std::ofstream(dir / "a.yaml") << "default-docker:\n  lookaside: file:///d\n";
  std::ofstream(dir / "ignored.txt") << "not: [yaml";
  ConfigEnvironment env{"", "", dir.string()};
  auto config = RegistriesD::load(env);
  EXPECT_EQ(config.find("quay.io/app:1")->lookaside, "file:///q");
  EXPECT_EQ(config.find("docker.io/library/app:1")->lookaside, "file:///d");
  std::filesystem::remove_all(dir);
}

TEST(SignatureUrl, Layout) {
  EXPECT_EQ(signature_url("file:///sigs/", "ns/app", "sha256:abc", 2),
            "file:///sigs/ns/app@sha256=abc/signature-2");
}

}  // namespace
}  // namespace berth::config
