#include "image/manifest.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::image {
namespace {

const std::string kConfigDigest =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const std::string kLayerDigest =
    "sha256:2222222222222222222222222222222222222222222222222222222222222222";

std::string docker_manifest_body(bool with_media_type) {
  std::string media_type =
      with_media_type ? R"("mediaType": "application/vnd.docker.distribution.manifest.v2+json",)"
                      : "";
  return R"({"schemaVersion": 2, )" + media_type + R"(
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
               "digest": ")" +
         kConfigDigest + R"(", "size": 1469},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "digest": ")" +
         kLayerDigest + R"(", "size": 1024}]})";
}

std::string entry(const std::string& digest_char, const std::string& platform) {
  std::string digest = "sha256:" + std::string(64, digest_char[0]);
  std::string out = R"({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" +
                    digest + R"(", "size": 500)";
  if (!platform.empty()) out += R"(, "platform": )" + platform;
  return out + "}";
}

// The multi-arch fixture index plus an attestation entry and an entry without
// a platform, as BuildKit and some tools write them.
std::string index_body() {
  return R"({"schemaVersion": 2, "manifests": [)" + entry("a", "") + "," +
         entry("b", R"({"os": "unknown", "architecture": "unknown"})") + "," +
         entry("c", R"({"os": "linux", "architecture": "amd64"})") + "," +
         entry("d", R"({"os": "linux", "architecture": "arm64", "variant": "v8"})") + "," +
         entry("e", R"({"os": "linux", "architecture": "arm", "variant": "v6"})") + "," +
         entry("f", R"({"os": "linux", "architecture": "arm", "variant": "v7"})") + "]}";
}

std::string digest_of(char c) { return "sha256:" + std::string(64, c); }

TEST(ParseManifest, ReadsDockerSchema2) {
  Manifest manifest = parse_manifest(docker_manifest_body(true), media_type::kDockerManifest);
  EXPECT_EQ(manifest.media_type, media_type::kDockerManifest);
  EXPECT_EQ(manifest.config.media_type, media_type::kDockerConfig);
  EXPECT_EQ(manifest.config.digest, kConfigDigest);
  EXPECT_EQ(manifest.config.size, 1469);
  ASSERT_EQ(manifest.layers.size(), 1u);
  EXPECT_EQ(manifest.layers[0].digest, kLayerDigest);
  EXPECT_EQ(manifest.layers[0].size, 1024);
  EXPECT_EQ(layer_compression(manifest.layers[0].media_type), Compression::kGzip);
}

TEST(ParseManifest, DetectsTypeFromBodyField) {
  Manifest manifest = parse_manifest(docker_manifest_body(true), "application/json");
  EXPECT_EQ(manifest.media_type, media_type::kDockerManifest);
  EXPECT_EQ(detect_manifest_media_type(docker_manifest_body(true), ""),
            media_type::kDockerManifest);
}

TEST(ParseManifest, DetectsTypeFromLayersKey) {
  Manifest manifest = parse_manifest(docker_manifest_body(false), "");
  EXPECT_EQ(manifest.media_type, media_type::kOciManifest);
  EXPECT_EQ(detect_manifest_media_type(index_body(), "text/plain"), media_type::kOciIndex);
}

TEST(ParseManifest, HeaderTypeWinsOverBody) {
  EXPECT_EQ(detect_manifest_media_type(docker_manifest_body(false), media_type::kOciManifest),
            media_type::kOciManifest);
}

TEST(ParseManifest, RejectsIndexBody) {
  EXPECT_THROW(parse_manifest(index_body(), ""), Error);
  EXPECT_THROW(parse_manifest(index_body(), media_type::kOciIndex), Error);
}

TEST(ParseManifest, RejectsSchema1) {
  try {
    parse_manifest(R"({"schemaVersion": 1, "fsLayers": []})", "");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("schema 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_manifest("{}", media_type::kDockerSchema1Signed), Error);
}

TEST(ParseManifest, RejectsInvalidBodies) {
  EXPECT_THROW(parse_manifest("not json", media_type::kOciManifest), Error);
  EXPECT_THROW(parse_manifest("[]", media_type::kOciManifest), Error);
  EXPECT_THROW(parse_manifest(R"({"layers": []})", media_type::kOciManifest), Error);
  std::string bad_digest = docker_manifest_body(true);
  bad_digest.replace(bad_digest.find(kLayerDigest), kLayerDigest.size(), "sha256:abc");
  try {
    parse_manifest(bad_digest, "");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sha256:abc"), std::string::npos) << e.what();
  }
  std::string negative = docker_manifest_body(true);
  negative.replace(negative.find("1024"), 4, "-1");
  EXPECT_THROW(parse_manifest(negative, ""), Error);
}

TEST(ParseIndex, ReadsEntriesAndPlatforms) {
  Index index = parse_index(index_body(), "application/json");
  EXPECT_EQ(index.media_type, media_type::kOciIndex);
  ASSERT_EQ(index.manifests.size(), 6u);
  EXPECT_FALSE(index.manifests[0].platform.has_value());
  ASSERT_TRUE(index.manifests[3].platform.has_value());
  EXPECT_EQ(index.manifests[3].platform->architecture, "arm64");
  EXPECT_EQ(index.manifests[3].platform->variant, "v8");
  EXPECT_EQ(index.manifests[3].size, 500);
}

TEST(ParseIndex, RejectsManifestBody) {
  EXPECT_THROW(parse_index(docker_manifest_body(true), ""), Error);
}

TEST(SelectPlatform, PicksMatchingEntry) {
  Index index = parse_index(index_body(), "");
  const std::vector<std::pair<std::string, char>> cases = {
      {"linux/amd64", 'c'},    {"linux/x86_64", 'c'},  {"linux/arm64", 'd'},
      {"linux/arm64/v8", 'd'}, {"linux/aarch64", 'd'}, {"linux/arm/v7", 'f'},
      {"linux/arm", 'f'},      {"linux/arm/v6", 'e'},  {"linux/arm/v8", 'f'},
  };
  for (const auto& [platform, expected] : cases) {
    SCOPED_TRACE(platform);
    EXPECT_EQ(select_platform(index, parse_platform(platform)).digest, digest_of(expected));
  }
}

TEST(SelectPlatform, ArmWithoutVariantMatchesV8Request) {
  Index index = parse_index(
      R"({"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
          "manifests": [)" +
          entry("a", R"({"os": "linux", "architecture": "arm64"})") + "]}",
      "");
  Platform host_like{"linux", "arm64", "v8"};
  EXPECT_EQ(select_platform(index, host_like).digest, digest_of('a'));
}

TEST(SelectPlatform, NoMatchListsAvailable) {
  Index index = parse_index(index_body(), "");
  try {
    select_platform(index, parse_platform("linux/s390x"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    std::string message = e.what();
    EXPECT_NE(message.find("linux/s390x"), std::string::npos) << message;
    EXPECT_NE(message.find("linux/amd64, linux/arm64/v8, linux/arm/v6, linux/arm/v7"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("unknown"), std::string::npos) << message;
  }
}

TEST(SelectPlatform, OsMustMatch) {
  Index index = parse_index(index_body(), "");
  EXPECT_THROW(select_platform(index, parse_platform("windows/amd64")), Error);
  EXPECT_THROW(select_platform(index, parse_platform("linux/arm/v5")), Error);
}

TEST(Platform, ParseAndFormat) {
  Platform platform = parse_platform("linux/arm/v7");
  EXPECT_EQ(platform.os, "linux");
  EXPECT_EQ(platform.architecture, "arm");
  EXPECT_EQ(platform.variant, "v7");
  EXPECT_EQ(platform.str(), "linux/arm/v7");
  EXPECT_EQ(parse_platform("linux/amd64").str(), "linux/amd64");
  for (const char* bad : {"", "linux", "linux/", "/amd64", "linux/arm/v7/x", "linux//v7"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_platform(bad), Error);
  }
}

TEST(Platform, HostIsLinuxGoarch) {
  Platform host = host_platform();
  EXPECT_EQ(host.os, "linux");
  EXPECT_NE(host.architecture, "x86_64");
  EXPECT_NE(host.architecture, "aarch64");
  EXPECT_FALSE(host.architecture.empty());
}

TEST(LayerCompression, KnowsLayerTypes) {
  EXPECT_EQ(layer_compression(media_type::kOciLayer), Compression::kNone);
  EXPECT_EQ(layer_compression(media_type::kOciLayerGzip), Compression::kGzip);
  EXPECT_EQ(layer_compression(media_type::kOciLayerZstd), Compression::kZstd);
  EXPECT_EQ(layer_compression(media_type::kDockerLayerGzip), Compression::kGzip);
  EXPECT_THROW(layer_compression("application/octet-stream"), Error);
}

TEST(ManifestAccept, ListsAllFourTypes) {
  std::string accept = manifest_accept_header();
  for (std::string_view type : {media_type::kOciIndex, media_type::kOciManifest,
                                media_type::kDockerManifest, media_type::kDockerManifestList}) {
    EXPECT_NE(accept.find(type), std::string::npos) << type;
  }
}

}  // namespace
}  // namespace berth::image
