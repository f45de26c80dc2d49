#include "engine/tag.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::engine {
namespace {

TEST(NormalizeTagName, ShortNameGetsLocalhostAndLatest) {
  EXPECT_EQ("localhost/myimg:latest", normalize_tag_name("myimg"));
  EXPECT_EQ("localhost/a/b:v1", normalize_tag_name("a/b:v1"));
}

TEST(NormalizeTagName, QualifiedNameKeepsRegistry) {
  EXPECT_EQ("quay.io/x/y:latest", normalize_tag_name("quay.io/x/y"));
  EXPECT_EQ("127.0.0.1:5000/busybox:t2", normalize_tag_name("127.0.0.1:5000/busybox:t2"));
  EXPECT_EQ("localhost/z:1", normalize_tag_name("localhost/z:1"));
}

TEST(NormalizeTagName, DockerHubGetsLibrary) {
  EXPECT_EQ("docker.io/library/foo:latest", normalize_tag_name("docker.io/foo"));
}

TEST(NormalizeTagName, InvalidNamesThrow) {
  for (const char* text : {"BAD", "x:bad tag!", "", "a//b"}) {
    try {
      normalize_tag_name(text);
      ADD_FAILURE() << "no error for \"" << text << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(ErrorCode::kInvalidArgument, e.code()) << text;
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + text + "\""), std::string::npos)
          << e.what();
    }
  }
}

TEST(NormalizeTagName, DigestRejected) {
  std::string text = "a@sha256:" + std::string(64, '0');
  try {
    normalize_tag_name(text);
    ADD_FAILURE() << "no error for a digest";
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::kInvalidArgument, e.code());
    EXPECT_NE(std::string(e.what()).find("tag by digest not supported"), std::string::npos);
  }
}

}  // namespace
}  // namespace berth::engine
