#include "engine/trust_scope.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"

namespace berth::engine {
namespace {

TEST(CheckTrustScope, AcceptsPolicyScopes) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  for (const std::string scope :
       {std::string("default"), std::string("docker.io"), std::string("localhost"),
        std::string("127.0.0.1:5000"), std::string("Registry.Example.com"),
        std::string("[::1]:5000"), std::string("[::1]"), std::string("docker.io/library"),
        std::string("docker.io/library/busybox"), std::string("docker.io/library/busybox:latest"),
        std::string("quay.io/ns/app@") + digest, std::string("myhost/team/app"),
        std::string("*.example.com"), std::string("*.com")}) {
    EXPECT_NO_THROW(check_trust_scope(scope)) << scope;
  }
}

// Expects check_trust_scope to reject scope with a message that quotes it
// and contains reason.
void expect_rejected(const std::string& scope, const std::string& reason) {
  try {
    check_trust_scope(scope);
    ADD_FAILURE() << "no error for \"" << scope << "\"";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_EQ(ErrorCode::kInvalidArgument, e.code()) << scope;
    EXPECT_NE(message.find("invalid trust scope \"" + scope + "\""), std::string::npos)
        << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
  }
}

TEST(CheckTrustScope, RejectsInvalidHosts) {
  expect_rejected("bad scope!!", "invalid registry host \"bad scope!!\"");
  expect_rejected("a b", "invalid registry host");
  expect_rejected("foo_bar", "invalid registry host");
  expect_rejected("-foo", "invalid registry host");
  expect_rejected("foo..bar", "invalid registry host");
  expect_rejected(".a", "invalid registry host");
  expect_rejected("http://x", "invalid port \"\"");
  expect_rejected("[::1", "invalid registry host");
  expect_rejected("[not-an-address]:5000", "invalid registry host");
  expect_rejected("", "the scope is empty");
}

TEST(CheckTrustScope, RejectsInvalidPorts) {
  expect_rejected("example.com:abc", "invalid port \"abc\"");
  expect_rejected("localhost:99999", "invalid port \"99999\"");
  expect_rejected("localhost:0", "invalid port \"0\"");
  expect_rejected("a:", "invalid port \"\"");
  expect_rejected("localhost:5000:1", "invalid port \"5000:1\"");
}

TEST(CheckTrustScope, RejectsInvalidWildcards) {
  for (const char* scope : {"*", "*.", "*.example.com:5000", "*.example.com/app", "x*.com",
                            "*.*.com"}) {
    try {
      check_trust_scope(scope);
      ADD_FAILURE() << "no error for \"" << scope << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(ErrorCode::kInvalidArgument, e.code()) << scope;
    }
  }
  expect_rejected("*.example.com/app", "a wildcard scope is \"*.\" and a domain name");
}

TEST(CheckTrustScope, RejectsInvalidRepositories) {
  expect_rejected("docker.io/Library", "repository name must be lowercase");
  expect_rejected("a//b", "invalid repository name");
  expect_rejected("a/b/", "invalid repository name");
  expect_rejected("a/b c", "invalid");
  expect_rejected("a/b!", "invalid");
  expect_rejected("docker.io/busybox:bad tag", "invalid tag");
  expect_rejected("docker.io/busybox@sha256:abc", "invalid digest");
}

}  // namespace
}  // namespace berth::engine
