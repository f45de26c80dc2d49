#include "engine/manifest_convert.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace berth::engine {
namespace {

namespace mt = image::media_type;

const std::string kConfig = "sha256:" + std::string(64, 'c');
const std::string kLayer = "sha256:" + std::string(64, 'a');
const std::string kForeign = "sha256:" + std::string(64, 'f');

std::string docker_manifest() {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
         R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":438,)"
         R"("digest":")" + kConfig + R"("},"layers":[)"
         R"({"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":100,)"
         R"("digest":")" + kLayer + R"("},)"
         R"({"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","size":7,)"
         R"("digest":")" + kForeign + R"(","urls":["https://example.com/layer"]}]})";
}

std::string oci_manifest(const std::string& layer_type) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
         R"("digest":")" + kConfig + R"(","size":438},"layers":[{"mediaType":")" + layer_type +
         R"(","digest":")" + kLayer + R"(","size":100}],"annotations":{"a":"b"}})";
}

TEST(ConvertManifest, DockerToOciKeepsBlobs) {
  std::string converted = convert_manifest(docker_manifest(), mt::kDockerManifest, mt::kOciManifest);
  EXPECT_EQ(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
          kConfig + R"(","size":438},"layers":[)"
          R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
          kLayer + R"(","size":100},)"
          R"({"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",)"
          R"("digest":")" + kForeign + R"(","size":7,"urls":["https://example.com/layer"]}]})",
      converted);
}

TEST(ConvertManifest, OciToDockerDropsAnnotations) {
  std::string converted =
      convert_manifest(oci_manifest(std::string(mt::kOciLayerGzip)), "", mt::kDockerManifest);
  EXPECT_EQ(
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
      R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":438,)"
      R"("digest":")" + kConfig + R"("},"layers":[)"
      R"({"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":100,)"
      R"("digest":")" + kLayer + R"("}]})",
      converted);
}

TEST(ConvertManifest, RoundTripGivesTheDockerBytes) {
  std::string oci = convert_manifest(docker_manifest(), mt::kDockerManifest, mt::kOciManifest);
  EXPECT_EQ(docker_manifest(), convert_manifest(oci, mt::kOciManifest, mt::kDockerManifest));
}

TEST(ConvertManifest, UncompressedLayerMapsBothWays) {
  std::string docker =
      convert_manifest(oci_manifest(std::string(mt::kOciLayer)), "", mt::kDockerManifest);
  auto layer = nlohmann::json::parse(docker)["layers"][0];
  EXPECT_EQ("application/vnd.docker.image.rootfs.diff.tar", layer["mediaType"]);
  std::string oci = convert_manifest(docker, "", mt::kOciManifest);
  EXPECT_EQ(mt::kOciLayer, nlohmann::json::parse(oci)["layers"][0]["mediaType"]);
}

TEST(ConvertManifest, SameTypeReturnsBodyUnchanged) {
  std::string body = oci_manifest(std::string(mt::kOciLayerZstd));
  EXPECT_EQ(body, convert_manifest(body, mt::kOciManifest, mt::kOciManifest));
  EXPECT_EQ(docker_manifest(), convert_manifest(docker_manifest(), "", mt::kDockerManifest));
}

TEST(ConvertManifest, RejectsZstdLayerForDocker) {
  std::string body = oci_manifest(std::string(mt::kOciLayerZstd));
  auto manifest = image::parse_manifest(body, "");
  EXPECT_FALSE(layers_convertible(manifest, mt::kDockerManifest));
  EXPECT_TRUE(layers_convertible(manifest, mt::kOciManifest));
  try {
    convert_manifest(body, "", mt::kDockerManifest);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::kInvalidArgument, e.code());
    EXPECT_NE(std::string(e.what()).find(kLayer), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tar+zstd"), std::string::npos) << e.what();
  }
}

TEST(ConvertManifest, RejectsNonImageConfig) {
  std::string body = oci_manifest(std::string(mt::kOciLayerGzip));
  auto at = body.find(mt::kOciConfig);
  body.replace(at, mt::kOciConfig.size(), "application/vnd.example.artifact.v1+json");
  EXPECT_THROW(convert_manifest(body, "", mt::kDockerManifest), Error);
}

TEST(ConvertManifest, RejectsIndexAndUnknownTarget) {
  std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
                      R"("manifests":[]})";
  EXPECT_THROW(convert_manifest(index, "", mt::kDockerManifest), Error);
  EXPECT_THROW(convert_manifest(docker_manifest(), "", mt::kOciIndex), Error);
}

TEST(InstanceMediaType, FollowsListType) {
  EXPECT_EQ(mt::kDockerManifest, instance_media_type(mt::kDockerManifestList));
  EXPECT_EQ(mt::kOciManifest, instance_media_type(mt::kOciIndex));
}

}  // namespace
}  // namespace berth::engine
