#include "api/images_auth.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "common/error.hpp"

namespace berth::api {
namespace {

// Docker encodes X-Registry-Auth with the URL-safe alphabet.
std::string url_safe(std::string text) {
  std::string encoded = base64_encode(text);
  for (char& c : encoded) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return encoded;
}

TEST(RegistryCredentials, SingleAuthConfig) {
  std::string header =
      url_safe(R"({"username":"tester","password":"p?>~","serveraddress":"127.0.0.1:5443"})");
  auto credentials = registry_credentials(header, "", "127.0.0.1:5443");
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ("tester", credentials->username);
  EXPECT_EQ("p?>~", credentials->password);
}

TEST(RegistryCredentials, KeyCaseIgnored) {
  auto credentials = registry_credentials(
      base64_encode(R"({"Username":"u","Password":"p"})"), "", "docker.io");
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ("u", credentials->username);
  EXPECT_EQ("p", credentials->password);
}

TEST(RegistryCredentials, AuthFieldDecoded) {
  std::string config = R"({"auth":")" + base64_encode("user:pa:ss") + R"("})";
  auto credentials = registry_credentials(base64_encode(config), "", "quay.io");
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ("user", credentials->username);
  EXPECT_EQ("pa:ss", credentials->password);
}

TEST(RegistryCredentials, EmptyObjectGivesNone) {
  EXPECT_FALSE(registry_credentials(base64_encode("{}"), "", "docker.io").has_value());
  EXPECT_FALSE(registry_credentials("", "", "docker.io").has_value());
}

TEST(RegistryCredentials, MapPicksRegistry) {
  std::string map = R"({"quay.io":{"username":"q","password":"1"},)"
                    R"("https://index.docker.io/v1/":{"username":"d","password":"2"}})";
  auto quay = registry_credentials(base64_encode(map), "", "quay.io");
  ASSERT_TRUE(quay.has_value());
  EXPECT_EQ("q", quay->username);
  auto hub = registry_credentials(base64_encode(map), "", "docker.io");
  ASSERT_TRUE(hub.has_value());
  EXPECT_EQ("d", hub->username);
  EXPECT_FALSE(registry_credentials(base64_encode(map), "", "ghcr.io").has_value());
}

TEST(RegistryCredentials, RegistryConfigHeader) {
  std::string map = R"({"127.0.0.1:5000":{"username":"c","password":"3"}})";
  auto credentials = registry_credentials("", base64_encode(map), "127.0.0.1:5000");
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ("c", credentials->username);
  EXPECT_EQ("3", credentials->password);
}

TEST(RegistryCredentials, MalformedHeaderRejected) {
  try {
    registry_credentials("%%%", "", "docker.io");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::kInvalidArgument, e.code());
    EXPECT_NE(std::string(e.what()).find("X-Registry-Auth"), std::string::npos);
  }
  EXPECT_THROW(registry_credentials(base64_encode("[1]"), "", "docker.io"), Error);
  EXPECT_THROW(registry_credentials(base64_encode("{bad"), "", "docker.io"), Error);
}

TEST(RegistryCredentials, AuthWithoutColonRejected) {
  std::string config = R"({"auth":")" + base64_encode("nocolon") + R"("})";
  EXPECT_THROW(registry_credentials(base64_encode(config), "", "docker.io"), Error);
}

TEST(AllRegistryCredentials, MapsOfBothHeaders) {
  std::string auth_map = R"({"https://index.docker.io/v1/":{"username":"d","password":"1"},)"
                         R"("127.0.0.1:5443/team/app":{"username":"scoped","password":"2"}})";
  std::string config_map = R"({"127.0.0.1:5443":{"auth":")" + base64_encode("t:3") +
                           R"("},"quay.io":{"username":"","password":"4"}})";
  auto found = all_registry_credentials(url_safe(auth_map), base64_encode(config_map));
  ASSERT_EQ(2u, found.size());
  EXPECT_EQ("d", found.at("docker.io").username);
  EXPECT_EQ("t", found.at("127.0.0.1:5443").username);
  EXPECT_EQ("3", found.at("127.0.0.1:5443").password);
}

TEST(AllRegistryCredentials, SingleConfigHasNoRegistry) {
  auto found = all_registry_credentials(base64_encode(R"({"username":"u","password":"p"})"), "");
  ASSERT_EQ(1u, found.size());
  EXPECT_EQ("u", found.at("").username);
  EXPECT_TRUE(all_registry_credentials("", "").empty());
  EXPECT_THROW(all_registry_credentials("", "%%%"), Error);
}

}  // namespace
}  // namespace berth::api
