#include "api/client.hpp"

#include <gtest/gtest.h>

namespace berth::api {
namespace {

TEST(ServiceUrl, ParsesUnix) {
  auto url = parse_service_url("unix:///run/berth/berth.sock");
  EXPECT_EQ(url.scheme, ServiceUrl::Scheme::kUnix);
  EXPECT_EQ(url.path, "/run/berth/berth.sock");
  EXPECT_EQ(url.text(), "unix:///run/berth/berth.sock");
}

TEST(ServiceUrl, ParsesTcp) {
  auto url = parse_service_url("tcp://127.0.0.1:8080");
  EXPECT_EQ(url.scheme, ServiceUrl::Scheme::kTcp);
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.text(), "tcp://127.0.0.1:8080");
}

TEST(ServiceUrl, ParsesTcpIpv6) {
  auto url = parse_service_url("tcp://[::1]:2375");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 2375);
  EXPECT_EQ(url.text(), "tcp://[::1]:2375");
}

TEST(ServiceUrl, ParsesSshWithUserAndPort) {
  auto url = parse_service_url("ssh://root@127.0.0.1:2222/run/berth/berth.sock");
  EXPECT_EQ(url.scheme, ServiceUrl::Scheme::kSsh);
  EXPECT_EQ(url.user, "root");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 2222);
  EXPECT_EQ(url.path, "/run/berth/berth.sock");
  EXPECT_EQ(url.text(), "ssh://root@127.0.0.1:2222/run/berth/berth.sock");
}

TEST(ServiceUrl, ParsesSshWithoutUserOrPort) {
  auto url = parse_service_url("ssh://example.test/run/b.sock");
  EXPECT_EQ(url.user, "");
  EXPECT_EQ(url.port, 0);
  EXPECT_EQ(url.text(), "ssh://example.test/run/b.sock");
}

TEST(ServiceUrl, RejectsBadUrls) {
  for (const char* bad : {"/run/x.sock", "http://host:1", "unix://relative", "tcp://host",
                          "tcp://host:0", "tcp://host:99999", "tcp://:80", "ssh://host",
                          "ssh://host/", "ssh://host:abc/x.sock"}) {
    try {
      parse_service_url(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << bad;
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(ErrorFromReply, UsesBerthCode) {
  Error e = error_from_reply(
      500, R"({"cause":"x","message":"container not found: no such container","response":500,"berth_code":"not found"})");
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_STREQ(e.what(), "container not found: no such container");
}

TEST(ErrorFromReply, MapsStatusWithoutBerthCode) {
  EXPECT_EQ(error_from_reply(404, R"({"message":"no such container"})").code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(error_from_reply(409, R"({"message":"in use"})").code(), ErrorCode::kConflict);
  EXPECT_EQ(error_from_reply(400, R"({"message":"bad"})").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_from_reply(500, R"({"message":"boom"})").code(), ErrorCode::kInternal);
}

TEST(ErrorFromReply, KeepsPlainTextBody) {
  Error e = error_from_reply(502, "bad gateway\n");
  EXPECT_EQ(e.code(), ErrorCode::kInternal);
  EXPECT_STREQ(e.what(), "bad gateway");
}

}  // namespace
}  // namespace berth::api
