#include "config/policy.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::config {
namespace {

using Type = PolicyRequirement::Type;

constexpr const char* kPolicy = R"({
  "default": [{"type": "reject"}],
  "transports": {
    "docker": {
      "": [{"type": "insecureAcceptAnything"}],
      "example.com": [{"type": "reject"}],
      "example.com/team": [{"type": "insecureAcceptAnything"}],
      "example.com/team/app:v1": [{"type": "reject"}],
      "127.0.0.1:5000/signed": [{"type": "signedBy", "keyType": "GPGKeys",
                                 "keyPath": "/keys/a.gpg"}],
      "*.corp.example": [{"type": "reject"}]
    },
    "containers-storage": {"": [{"type": "insecureAcceptAnything"}]}
  }
})";

// The scopes point into the policy, so it must outlive them.
const Policy& sample() {
  static const Policy policy = Policy::parse(kPolicy, "policy.json");
  return policy;
}

TEST(DockerScopes, ListsMostSpecificFirst) {
  auto scopes = docker_scopes("reg.a.example:5000/ns/sub/app:v1");
  std::vector<std::string> expected{"reg.a.example:5000/ns/sub/app:v1",
                                    "reg.a.example:5000/ns/sub/app",
                                    "reg.a.example:5000/ns/sub",
                                    "reg.a.example:5000/ns",
                                    "reg.a.example:5000",
                                    "*.a.example",
                                    "*.example"};
  EXPECT_EQ(scopes, expected);
}

TEST(DockerScopes, DigestIdentity) {
  auto scopes = docker_scopes("127.0.0.1:5000/app@sha256:abc");
  ASSERT_GE(scopes.size(), 3u);
  EXPECT_EQ(scopes[0], "127.0.0.1:5000/app@sha256:abc");
  EXPECT_EQ(scopes[1], "127.0.0.1:5000/app");
  EXPECT_EQ(scopes[2], "127.0.0.1:5000");
}

TEST(PolicyScope, TaggedScopeWins) {
  auto found = sample().for_docker("example.com/team/app:v1");
  EXPECT_EQ(found.scope, "example.com/team/app:v1");
  EXPECT_EQ(found.requirements->front().type, Type::kReject);
}

TEST(PolicyScope, NamespaceBeatsHost) {
  auto found = sample().for_docker("example.com/team/app:v2");
  EXPECT_EQ(found.scope, "example.com/team");
  EXPECT_EQ(found.requirements->front().type, Type::kInsecureAcceptAnything);
}

TEST(PolicyScope, HostScope) {
  auto found = sample().for_docker("example.com/other/app:v1");
  EXPECT_EQ(found.scope, "example.com");
  EXPECT_EQ(found.requirements->front().type, Type::kReject);
}

TEST(PolicyScope, WildcardHost) {
  auto found = sample().for_docker("registry.corp.example/app:v1");
  EXPECT_EQ(found.scope, "*.corp.example");
}

TEST(PolicyScope, TransportDefault) {
  auto found = sample().for_docker("quay.io/app:v1");
  EXPECT_EQ(found.scope, "");
  EXPECT_EQ(found.requirements->front().type, Type::kInsecureAcceptAnything);
}

TEST(PolicyScope, GlobalDefault) {
  auto policy = Policy::parse(R"({"default": [{"type": "reject"}]})", "p.json");
  auto found = policy.for_docker("quay.io/app:v1");
  EXPECT_EQ(found.scope, "default");
  EXPECT_EQ(found.requirements->front().type, Type::kReject);
  EXPECT_EQ(policy.for_transport("containers-storage").scope, "default");
}

TEST(PolicyScope, PrefixNeedsPathBoundary) {
  auto found = sample().for_docker("127.0.0.1:5000/signed-not:v1");
  EXPECT_EQ(found.scope, "");
}

TEST(PolicyParse, SignedByFields) {
  auto found = sample().for_docker("127.0.0.1:5000/signed:latest");
  ASSERT_EQ(found.requirements->size(), 1u);
  const auto& r = found.requirements->front();
  EXPECT_EQ(r.type, Type::kSignedBy);
  ASSERT_EQ(r.key_paths.size(), 1u);
  EXPECT_EQ(r.key_paths[0], "/keys/a.gpg");
  EXPECT_EQ(r.signed_identity.type, SignedIdentity::Type::kMatchRepoDigestOrExact);
}

TEST(PolicyParse, KeyDataAndIdentity) {
  auto policy = Policy::parse(R"({"default": [{"type": "signedBy", "keyType": "GPGKeys",
      "keyData": "aGVsbG8=", "signedIdentity": {"type": "exactRepository",
      "dockerRepository": "example.com/app"}}]})",
                              "p.json");
  const auto& r = policy.default_requirements().front();
  EXPECT_EQ(r.key_data, "hello");
  EXPECT_EQ(r.signed_identity.type, SignedIdentity::Type::kExactRepository);
  EXPECT_EQ(r.signed_identity.docker_repository, "example.com/app");
}

void expect_invalid(const char* text, const char* fragment) {
  try {
    Policy::parse(text, "bad.json");
    ADD_FAILURE() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("invalid policy in \"bad.json\""), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(PolicyParse, RejectsInvalidFiles) {
  expect_invalid("{bad", "parse error");
  expect_invalid(R"({"transports": {}})", "no \"default\"");
  expect_invalid(R"({"default": []})", "non-empty array");
  expect_invalid(R"({"default": [{"type": "reject", "extra": 1}]})", "unknown field \"extra\"");
  expect_invalid(R"({"default": [{"type": "maybe"}]})", "unknown policy requirement type");
  expect_invalid(R"({"default": [{"type": "reject"}], "default": [{"type": "reject"}]})",
                 "duplicate field \"default\"");
  expect_invalid(R"({"default": [{"type": "signedBy", "keyType": "GPGKeys"}]})",
                 "exactly one of keyPath");
  expect_invalid(R"({"default": [{"type": "signedBy", "keyType": "X509", "keyPath": "/k"}]})",
                 "unsupported keyType");
  expect_invalid(R"({"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k",
                   "signedIdentity": {"type": "matchSomething"}}]})",
                 "unknown signedIdentity type");
}

TEST(PolicyLoad, MissingFileHasPodmanMessage) {
  try {
    Policy::load("/nonexistent/policy.json");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_STREQ(e.what(), "open /nonexistent/policy.json: no such file or directory");
  }
}

TEST(PolicyPath, FlagWinsThenSystemFile) {
  ConfigEnvironment env{"/nonexistent-xdg", "/nonexistent-home", ""};
  EXPECT_EQ(policy_path("/tmp/p.json", env), "/tmp/p.json");
  EXPECT_EQ(policy_path("", env), kSystemPolicyPath);
  EXPECT_EQ(env.user_containers_dir(), "/nonexistent-xdg/containers");
  env.xdg_config_home.clear();
  EXPECT_EQ(env.user_containers_dir(), "/nonexistent-home/.config/containers");
}

TEST(TrustSet, WritesScopes) {
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
  set_trust_scope(document, "default", "reject", {});
  set_trust_scope(document, "docker.io", "accept", {});
  set_trust_scope(document, "quay.io/team", "signedBy", {"/k1.gpg", "/k2.gpg"});
  EXPECT_EQ(document["default"][0]["type"], "reject");
  EXPECT_EQ(document["transports"]["docker"]["docker.io"][0]["type"], "insecureAcceptAnything");
  const auto& signed_by = document["transports"]["docker"]["quay.io/team"];
  ASSERT_EQ(signed_by.size(), 2u);
  EXPECT_EQ(signed_by[1]["keyPath"], "/k2.gpg");
  EXPECT_EQ(signed_by[1]["keyType"], "GPGKeys");
  // The result parses as a policy.
  auto policy = Policy::parse(document.dump(), "set.json");
  EXPECT_EQ(policy.for_docker("quay.io/team/app:v1").scope, "quay.io/team");
}

TEST(TrustSet, RejectsBadInput) {
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
  EXPECT_THROW(set_trust_scope(document, "docker.io", "accept", {}), Error)
      << "no default yet";
  set_trust_scope(document, "default", "accept", {});
  EXPECT_THROW(set_trust_scope(document, "docker.io", "signedBy", {}), Error);
  EXPECT_THROW(set_trust_scope(document, "docker.io", "accept", {"/k"}), Error);
  EXPECT_THROW(set_trust_scope(document, "docker.io", "bogus", {}), Error);
}

}  // namespace
}  // namespace berth::config
