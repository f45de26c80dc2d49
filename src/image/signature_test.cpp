#include "image/signature.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace berth::image {
namespace {

TEST(SignaturePayload, MatchesPodmanLayout) {
  SignaturePayload payload{"127.0.0.1:5000/app:latest", "sha256:abc", "berth 0.1.0", 1700000000};
  EXPECT_EQ(make_signature_payload(payload),
            R"({"critical":{"identity":{"docker-reference":"127.0.0.1:5000/app:latest"},)"
            R"("image":{"docker-manifest-digest":"sha256:abc"},)"
            R"("type":"atomic container signature"},)"
            R"("optional":{"creator":"berth 0.1.0","timestamp":1700000000}})");
}

TEST(SignaturePayload, RoundTrip) {
  SignaturePayload payload{"docker.io/library/busybox:1", "sha256:def", "c", 5};
  auto parsed = parse_signature_payload(make_signature_payload(payload));
  EXPECT_EQ(parsed.docker_reference, "docker.io/library/busybox:1");
  EXPECT_EQ(parsed.manifest_digest, "sha256:def");
  EXPECT_EQ(parsed.creator, "c");
  EXPECT_EQ(parsed.timestamp, 5);
}

TEST(SignaturePayload, AcceptsUnknownOptionalMembers) {
  auto parsed = parse_signature_payload(
      R"({"critical":{"identity":{"docker-reference":"a.io/b:c"},"image":{"docker-manifest-digest":"sha256:1"},"type":"atomic container signature"},"optional":{"other":true}})");
  EXPECT_EQ(parsed.docker_reference, "a.io/b:c");
  EXPECT_EQ(parsed.creator, "");
}

TEST(SignaturePayload, RejectsInvalidCritical) {
  const char* cases[] = {
      "not json",
      R"({"critical":{"identity":{"docker-reference":"a.io/b:c"},"image":{"docker-manifest-digest":"sha256:1"},"type":"other"},"optional":{}})",
      R"({"critical":{"identity":{"docker-reference":"a.io/b:c"},"image":{"docker-manifest-digest":"sha256:1"},"type":"atomic container signature","extra":1},"optional":{}})",
      R"({"critical":{"identity":{"docker-reference":"a.io/b:c"},"image":{},"type":"atomic container signature"},"optional":{}})",
      R"({"critical":{"identity":{"docker-reference":"a.io/b:c","x":1},"image":{"docker-manifest-digest":"sha256:1"},"type":"atomic container signature"},"optional":{}})",
      R"({"critical":{"identity":{"docker-reference":"a.io/b:c"},"image":{"docker-manifest-digest":"sha256:1"},"type":"atomic container signature"}})",
      R"({"critical":{"identity":{"docker-reference":"a.io/b:c"},"image":{"docker-manifest-digest":"sha256:1"},"type":"atomic container signature"},"optional":{"timestamp":"x"}})",
  };
  for (const char* text : cases) {
    try {
      parse_signature_payload(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << text;
      EXPECT_TRUE(std::string(e.what()).starts_with("invalid signature payload")) << e.what();
    }
  }
}

}  // namespace
}  // namespace berth::image
