#include "secret/secret_use.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::secret {
namespace {

TEST(ParseSecretUse, NameAloneMountsUnderRunSecrets) {
  auto use = parse_secret_use("token");
  EXPECT_EQ(use.name, "token");
  EXPECT_EQ(use.type, "mount");
  EXPECT_EQ(use.target, "/run/secrets/token");
  EXPECT_EQ(use.uid, 0u);
  EXPECT_EQ(use.gid, 0u);
  EXPECT_EQ(use.mode, 0444u);
}

TEST(ParseSecretUse, MountOptions) {
  auto use = parse_secret_use("token,target=/etc/app/key,uid=5,gid=6,mode=0400");
  EXPECT_EQ(use.target, "/etc/app/key");
  EXPECT_EQ(use.uid, 5u);
  EXPECT_EQ(use.gid, 6u);
  EXPECT_EQ(use.mode, 0400u);
  EXPECT_EQ(parse_secret_use("token,target=sub/key").target, "/run/secrets/sub/key");
  EXPECT_EQ(parse_secret_use("token,type=mount,mode=640").mode, 0640u);
  EXPECT_EQ(parse_secret_use("token,mode=04777").mode, 0777u);
}

TEST(ParseSecretUse, EnvTargetDefaultsToTheName) {
  auto use = parse_secret_use("token,type=env");
  EXPECT_EQ(use.type, "env");
  EXPECT_EQ(use.target, "token");
  EXPECT_EQ(parse_secret_use("token,type=env,target=API_KEY").target, "API_KEY");
}

TEST(ParseSecretUse, RejectsBadParts) {
  for (const char* bad :
       {"", ",type=env", "a=b", "token,type=file", "token,bogus=1", "token,target",
        "token,target=", "token,uid=x", "token,uid=-1", "token,gid=1.5", "token,mode=9",
        "token,mode=10000", "token,type=env,uid=1", "token,type=env,mode=0400",
        "token,target=/etc/../x", "token,target=/a/.."}) {
    EXPECT_THROW(parse_secret_use(bad), Error) << bad;
  }
}

TEST(ParseSecretUse, RoundTripsThroughJson) {
  auto use = parse_secret_use("token,target=/k,uid=1,gid=2,mode=0400");
  use.id = "abc";
  nlohmann::json j = use;
  auto back = j.get<SecretUse>();
  EXPECT_EQ(back.name, "token");
  EXPECT_EQ(back.id, "abc");
  EXPECT_EQ(back.target, "/k");
  EXPECT_EQ(back.uid, 1u);
  EXPECT_EQ(back.gid, 2u);
  EXPECT_EQ(back.mode, 0400u);
}

}  // namespace
}  // namespace berth::secret
