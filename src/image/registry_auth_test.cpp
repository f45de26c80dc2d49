#include "image/registry_auth.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "image/registry_errors.hpp"

namespace berth::image {
namespace {

TEST(ParseWwwAuthenticate, ReadsBearerChallenge) {
  auto challenges = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/busybox:pull")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(challenges[0].param("service"), "registry.docker.io");
  EXPECT_EQ(challenges[0].param("scope"), "repository:library/busybox:pull");
}

TEST(ParseWwwAuthenticate, ReadsBasicChallenge) {
  auto challenges = parse_www_authenticate(R"(Basic realm="berth-fixtures")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].param("realm"), "berth-fixtures");
}

TEST(ParseWwwAuthenticate, SplitsSeveralChallenges) {
  auto challenges = parse_www_authenticate(
      R"(Basic realm="a, b", Bearer realm="https://t.example/token", service=reg)");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].param("realm"), "a, b");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].param("realm"), "https://t.example/token");
  EXPECT_EQ(challenges[1].param("service"), "reg");
}

TEST(ParseWwwAuthenticate, HandlesCaseSpacingAndEscapes) {
  auto challenges =
      parse_www_authenticate(R"(  BEARER  Realm = "https://x/t?a=1" , Scope="say \"hi\"")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].param("realm"), "https://x/t?a=1");
  EXPECT_EQ(challenges[0].param("scope"), R"(say "hi")");
}

TEST(ParseWwwAuthenticate, EmptyHeaderGivesNothing) {
  EXPECT_TRUE(parse_www_authenticate("").empty());
  EXPECT_TRUE(parse_www_authenticate(" , ").empty());
}

TEST(ChooseChallenge, PrefersBearerWithRealm) {
  auto chosen = choose_challenge({R"(Basic realm="r")", R"(Bearer realm="https://t/x")"});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->scheme, "bearer");

  chosen = choose_challenge({R"(Bearer service="no-realm", Basic realm="r")"});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->scheme, "basic");

  EXPECT_FALSE(choose_challenge({R"(Negotiate)"}).has_value());
  EXPECT_FALSE(choose_challenge({}).has_value());
}

TEST(ParseTokenResponse, ReadsTokenOrAccessToken) {
  EXPECT_EQ(parse_token_response(R"({"token": "abc", "expires_in": 300})"), "abc");
  EXPECT_EQ(parse_token_response(R"({"access_token": "def"})"), "def");
  EXPECT_EQ(parse_token_response(R"({"token": "", "access_token": "ghi"})"), "ghi");
  EXPECT_THROW(parse_token_response(R"({"other": 1})"), Error);
  EXPECT_THROW(parse_token_response("not json"), Error);
}

TEST(BasicAuthorization, EncodesBase64) {
  EXPECT_EQ(basic_authorization("tester", "tester-pass"), "Basic dGVzdGVyOnRlc3Rlci1wYXNz");
  EXPECT_EQ(basic_authorization("a", ""), "Basic YTo=");
}

TEST(TokenUrl, AddsEncodedQuery) {
  EXPECT_EQ(token_url("https://auth.example/token", "registry.example",
                      "repository:library/busybox:pull"),
            "https://auth.example/token?service=registry.example&"
            "scope=repository%3Alibrary%2Fbusybox%3Apull");
  EXPECT_EQ(token_url("https://auth.example/token?x=1", "", "s"),
            "https://auth.example/token?x=1&scope=s");
}

TEST(TokenUrl, OneParameterPerScope) {
  EXPECT_EQ(token_url("https://auth.example/token", "reg",
                      "repository:app:pull,push repository:lib/base:pull"),
            "https://auth.example/token?service=reg&"
            "scope=repository%3Aapp%3Apull%2Cpush&scope=repository%3Alib%2Fbase%3Apull");
}

TEST(ScopeCovers, ComparesActionsPerResource) {
  EXPECT_TRUE(scope_covers("repository:app:pull", "repository:app:pull"));
  EXPECT_TRUE(scope_covers("repository:app:pull,push", "repository:app:pull"));
  EXPECT_TRUE(scope_covers("repository:app:push,pull", "repository:app:pull,push"));
  EXPECT_FALSE(scope_covers("repository:app:pull", "repository:app:pull,push"));
  EXPECT_FALSE(scope_covers("repository:app:pull,push", "repository:other:pull"));
  EXPECT_FALSE(scope_covers("repository:app:pull,push", "repository:app-2:pull"));
  EXPECT_TRUE(scope_covers("repository:a:pull,push repository:b:pull", "repository:b:pull"));
  EXPECT_FALSE(scope_covers("repository:a:pull,push", "repository:a:pull,push repository:b:pull"));
}

TEST(RegistryErrors, ParsesErrorBody) {
  RegistryError error = parse_registry_error(
      R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]})");
  EXPECT_EQ(error.code, "MANIFEST_UNKNOWN");
  EXPECT_EQ(error.message, "manifest unknown");
  EXPECT_TRUE(parse_registry_error("<html>").code.empty());
  EXPECT_TRUE(parse_registry_error(R"({"errors":[]})").message.empty());
}

ErrorCode code_for(long status, const std::string& body) {
  HttpResponse response;
  response.status = status;
  response.body = body;
  try {
    fail_registry_response(response, "r/x:latest");
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

TEST(RegistryErrors, MapsStatusToCode) {
  EXPECT_EQ(code_for(404, ""), ErrorCode::kNotFound);
  EXPECT_EQ(code_for(400, R"({"errors":[{"code":"NAME_UNKNOWN","message":"x"}]})"),
            ErrorCode::kNotFound);
  EXPECT_EQ(code_for(401, ""), ErrorCode::kUnauthorized);
  EXPECT_EQ(code_for(403, ""), ErrorCode::kPermissionDenied);
  EXPECT_EQ(code_for(429, ""), ErrorCode::kUnavailable);
  EXPECT_EQ(code_for(500, ""), ErrorCode::kUnavailable);
}

TEST(RegistryErrors, ParsesDetail) {
  EXPECT_EQ(
      parse_registry_error(R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","detail":"sha256:abc"}]})")
          .detail,
      "sha256:abc");
  EXPECT_EQ(
      parse_registry_error(
          R"({"errors":[{"code":"DIGEST_INVALID","detail":{"Digest":"sha256:abc","Reason":{}}}]})")
          .detail,
      "sha256:abc");
  EXPECT_EQ(parse_registry_error(R"({"errors":[{"code":"X","detail":null}]})").detail, "");
}

Error push_error(long status, const std::string& body) {
  HttpResponse response;
  response.status = status;
  response.body = body;
  try {
    fail_push_response(response, "storing manifest r/x:v1");
  } catch (const Error& e) {
    return e;
  }
  return Error(ErrorCode::kInternal, "no error thrown");
}

TEST(RegistryErrors, PushRejectionsAreInvalidArgument) {
  Error blob_unknown = push_error(
      400, R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry",)"
           R"("detail":"sha256:abc"}]})");
  EXPECT_EQ(blob_unknown.code(), ErrorCode::kInvalidArgument);
  EXPECT_STREQ(blob_unknown.what(),
               "storing manifest r/x:v1: the registry rejected it: blob unknown to registry: "
               "sha256:abc (HTTP 400)");
  EXPECT_EQ(push_error(404, R"({"errors":[{"code":"BLOB_UNKNOWN"}]})").code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(push_error(400, R"({"errors":[{"code":"DIGEST_INVALID"}]})").code(),
            ErrorCode::kDigestMismatch);
  EXPECT_EQ(push_error(400, "").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(push_error(404, R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]})").code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(push_error(403, "").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(push_error(500, "").code(), ErrorCode::kUnavailable);
}

TEST(RegistryErrors, MessageNamesSubjectAndRegistryText) {
  HttpResponse response;
  response.status = 404;
  response.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
  try {
    fail_registry_response(response, "127.0.0.1:5000/nosuch:latest");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "127.0.0.1:5000/nosuch:latest: manifest unknown");
  }
}

}  // namespace
}  // namespace berth::image
