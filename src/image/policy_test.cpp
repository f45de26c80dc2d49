#include "image/policy.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::image {
namespace {

using config::Policy;
using config::SignedIdentity;

// Treats a blob "KEY|PAYLOAD" as a valid signature by KEY when KEY is
// "trusted", and rejects any other blob.
class FakeChecker : public SignatureChecker {
 public:
  VerifiedSignature verify(const config::PolicyRequirement&, std::string_view blob) override {
    ++calls;
    auto bar = blob.find('|');
    std::string key(blob.substr(0, bar));
    if (bar == std::string_view::npos || key != "trusted") {
      fail(ErrorCode::kPermissionDenied, "signed by key {}, which is not trusted", key);
    }
    return VerifiedSignature{key, std::string(blob.substr(bar + 1))};
  }
  int calls = 0;
};

std::string signed_blob(const std::string& key, const std::string& reference,
                        const std::string& digest) {
  return key + "|" + make_signature_payload(SignaturePayload{reference, digest, "", 0});
}

Reference named(const std::string& text) { return parse_reference(text).ref; }

PolicyTarget target(const std::string& text, const std::string& digest = "sha256:aaa") {
  return PolicyTarget{named(text), digest, "file:///sigs"};
}

SignatureSource source_of(std::vector<std::string> blobs, int* reads = nullptr) {
  return [blobs, reads](int index) -> std::optional<std::string> {
    if (reads != nullptr) ++*reads;
    if (index > static_cast<int>(blobs.size())) return std::nullopt;
    return blobs[index - 1];
  };
}

const Policy& signed_policy() {
  static const Policy policy = Policy::parse(
      R"({"default": [{"type": "insecureAcceptAnything"}], "transports": {"docker": {
        "reg.io": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k"}],
        "reg.io/rejected": [{"type": "reject"}],
        "reg.io/both": [{"type": "insecureAcceptAnything"}, {"type": "reject"}]}}})",
      "policy.json");
  return policy;
}

std::string rejection(const std::string& image, const std::vector<std::string>& blobs,
                      const std::string& digest = "sha256:aaa") {
  FakeChecker checker;
  try {
    enforce_policy(signed_policy().for_docker(named(image).str()), target(image, digest),
                   source_of(blobs), checker);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kPermissionDenied);
    return e.what();
  }
  return "";
}

TEST(EnforcePolicy, AcceptAnything) {
  EXPECT_EQ(rejection("other.io/app:1", {}), "");
}

TEST(EnforcePolicy, RejectNamesImage) {
  EXPECT_EQ(rejection("reg.io/rejected:1", {}),
            "Source image rejected: Running image docker://reg.io/rejected:1 is rejected by "
            "policy.");
}

TEST(EnforcePolicy, AllRequirementsMustAccept) {
  EXPECT_NE(rejection("reg.io/both:1", {}), "");
}

TEST(EnforcePolicy, SignedAccepted) {
  EXPECT_EQ(rejection("reg.io/app:1", {signed_blob("trusted", "reg.io/app:1", "sha256:aaa")}), "");
}

TEST(EnforcePolicy, MissingSignature) {
  auto message = rejection("reg.io/app:1", {});
  EXPECT_NE(message.find("A signature was required, but no signature exists for reg.io/app:1"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("file:///sigs"), std::string::npos) << message;
}

TEST(EnforcePolicy, WrongKey) {
  auto message = rejection("reg.io/app:1", {signed_blob("stranger", "reg.io/app:1", "sha256:aaa")});
  EXPECT_NE(message.find("no signature of reg.io/app:1 was accepted"), std::string::npos)
      << message;
  EXPECT_NE(message.find("signature-1: signed by key stranger"), std::string::npos) << message;
}

TEST(EnforcePolicy, DigestMismatch) {
  auto message = rejection("reg.io/app:1", {signed_blob("trusted", "reg.io/app:1", "sha256:bbb")});
  EXPECT_NE(message.find("is for manifest digest sha256:bbb, not the image's sha256:aaa"),
            std::string::npos)
      << message;
}

TEST(EnforcePolicy, IdentityMismatch) {
  auto message = rejection("reg.io/app:1", {signed_blob("trusted", "reg.io/other:1", "sha256:aaa")});
  EXPECT_NE(message.find("Signature for identity reg.io/other:1 is not accepted"),
            std::string::npos)
      << message;
}

TEST(EnforcePolicy, LaterSignatureAccepted) {
  int reads = 0;
  FakeChecker checker;
  auto image = target("reg.io/app:1");
  enforce_policy(signed_policy().for_docker("reg.io/app:1"), image,
                 source_of({signed_blob("stranger", "reg.io/app:1", "sha256:aaa"),
                            signed_blob("trusted", "reg.io/app:1", "sha256:aaa"),
                            signed_blob("trusted", "reg.io/app:1", "sha256:aaa")},
                           &reads),
                 checker);
  EXPECT_EQ(checker.calls, 2);
  EXPECT_EQ(reads, 2) << "stops reading at the first accepted signature";
}

TEST(SignedIdentity, DefaultIsRepoDigestOrExact) {
  SignedIdentity rule;
  EXPECT_TRUE(signed_identity_matches(rule, named("reg.io/app:1"), named("reg.io/app:1")));
  EXPECT_FALSE(signed_identity_matches(rule, named("reg.io/app:1"), named("reg.io/app:2")));
  EXPECT_TRUE(signed_identity_matches(rule, named("reg.io/app@sha256:" + std::string(64, 'a')),
                                      named("reg.io/app:2")));
  EXPECT_FALSE(signed_identity_matches(rule, named("reg.io/app@sha256:" + std::string(64, 'a')),
                                       named("reg.io/other:2")));
}

TEST(SignedIdentity, OtherTypes) {
  SignedIdentity exact;
  exact.type = SignedIdentity::Type::kMatchExact;
  EXPECT_FALSE(signed_identity_matches(exact, named("reg.io/app@sha256:" + std::string(64, 'a')),
                                       named("reg.io/app:2")));
  SignedIdentity repository;
  repository.type = SignedIdentity::Type::kMatchRepository;
  EXPECT_TRUE(signed_identity_matches(repository, named("reg.io/app:1"), named("reg.io/app:2")));
  SignedIdentity exact_reference;
  exact_reference.type = SignedIdentity::Type::kExactReference;
  exact_reference.docker_reference = "docker.io/vendor/app:3";
  EXPECT_TRUE(signed_identity_matches(exact_reference, named("reg.io/app:1"),
                                      named("docker.io/vendor/app:3")));
  EXPECT_FALSE(signed_identity_matches(exact_reference, named("reg.io/app:1"), named("reg.io/app:1")));
  SignedIdentity exact_repository;
  exact_repository.type = SignedIdentity::Type::kExactRepository;
  exact_repository.docker_repository = "busybox";
  EXPECT_TRUE(signed_identity_matches(exact_repository, named("reg.io/app:1"),
                                      named("docker.io/library/busybox:9")));
  SignedIdentity remap;
  remap.type = SignedIdentity::Type::kRemapIdentity;
  remap.prefix = "mirror.io/vendor";
  remap.signed_prefix = "vendor.io";
  EXPECT_TRUE(signed_identity_matches(remap, named("mirror.io/vendor/app:1"), named("vendor.io/app:1")));
  EXPECT_FALSE(signed_identity_matches(remap, named("mirror.io/vendor/app:1"),
                                       named("mirror.io/vendor/app:2")));
}

}  // namespace
}  // namespace berth::image
