#include "image/archive_layout.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace berth::image {
namespace {

const std::string kDiffA = "sha256:" + std::string(64, 'a');
const std::string kDiffB = "sha256:" + std::string(64, 'b');

ErrorCode code_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

TEST(DockerArchiveManifest, ParsesPodmanOutput) {
  auto images = parse_docker_archive_manifest(
      R"([{"Config":"f5.json","RepoTags":["127.0.0.1:5000/busybox:latest"],)"
      R"("Layers":["22.tar","abc/layer.tar"]}])");
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].config, "f5.json");
  ASSERT_EQ(images[0].repo_tags.size(), 1u);
  EXPECT_EQ(images[0].repo_tags[0], "127.0.0.1:5000/busybox:latest");
  ASSERT_EQ(images[0].layers.size(), 2u);
  EXPECT_EQ(images[0].layers[1], "abc/layer.tar");
}

TEST(DockerArchiveManifest, NullRepoTagsMeansNoName) {
  auto images = parse_docker_archive_manifest(R"([{"Config":"c.json","RepoTags":null,"Layers":[]}])");
  ASSERT_EQ(images.size(), 1u);
  EXPECT_TRUE(images[0].repo_tags.empty());
  EXPECT_TRUE(images[0].layers.empty());
}

TEST(DockerArchiveManifest, RejectsMalformedInput) {
  const char* cases[] = {
      "not json",
      R"({"Config":"c.json"})",
      "[]",
      R"([{"Layers":[]}])",
      R"([{"Config":5,"Layers":[]}])",
      R"([{"Config":"c.json"}])",
      R"([{"Config":"c.json","Layers":"x.tar"}])",
      R"([{"Config":"c.json","Layers":[3]}])",
      R"([{"Config":"c.json","Layers":[],"RepoTags":"a:b"}])",
      R"([{"Config":"c.json","Layers":[],"RepoTags":[1]}])",
      R"([{"Config":"../c.json","Layers":[]}])",
      R"([{"Config":"c.json","Layers":["/etc/passwd"]}])",
      R"([{"Config":"c.json","Layers":["a/../../x.tar"]}])",
  };
  for (const char* text : cases) {
    EXPECT_EQ(code_of([&] { parse_docker_archive_manifest(text); }), ErrorCode::kInvalidArgument)
        << text;
  }
}

TEST(DockerArchiveManifest, RoundTrips) {
  DockerArchiveImage image{"c.json", {"docker.io/library/a:1"}, {"x.tar", "y.tar"}};
  std::string text = docker_archive_manifest({image});
  EXPECT_EQ(text, R"([{"Config":"c.json","RepoTags":["docker.io/library/a:1"],)"
                  R"("Layers":["x.tar","y.tar"]}])");
  auto parsed = parse_docker_archive_manifest(text);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].layers, image.layers);
  EXPECT_EQ(parsed[0].repo_tags, image.repo_tags);
}

TEST(LegacyLayerIds, ChainsDiffIds) {
  auto ids = legacy_layer_ids({kDiffA, kDiffB});
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], std::string(64, 'a'));
  EXPECT_EQ("sha256:" + ids[1], sha256_digest(ids[0] + " " + kDiffB));
  EXPECT_EQ(legacy_layer_ids({kDiffB})[0], std::string(64, 'b')) << "depends on the stack only";
}

TEST(LegacyLayerJson, ParentOnlyWhenGiven) {
  EXPECT_EQ(legacy_layer_json("x", ""), R"({"id":"x"})");
  EXPECT_EQ(legacy_layer_json("y", "x"), R"({"id":"y","parent":"x"})");
}

TEST(DockerRepositories, GroupsTagsByRepository) {
  auto text = docker_repositories({{"docker.io/library/a:1", "top1"},
                                   {"docker.io/library/a:2", "top2"},
                                   {"127.0.0.1:5000/b:latest", "top3"},
                                   {"notag", "x"}});
  auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed["docker.io/library/a"]["1"], "top1");
  EXPECT_EQ(parsed["docker.io/library/a"]["2"], "top2");
  EXPECT_EQ(parsed["127.0.0.1:5000/b"]["latest"], "top3");
  EXPECT_FALSE(parsed.contains("notag"));
  EXPECT_FALSE(parsed.contains("127.0.0.1"));
}

TEST(OciIndex, RoundTripsRefName) {
  OciIndexEntry entry;
  entry.manifest.media_type = media_type::kOciManifest;
  entry.manifest.digest = kDiffA;
  entry.manifest.size = 405;
  entry.ref_name = "127.0.0.1:5000/busybox:latest";
  std::string text = oci_index({entry});
  auto parsed_json = nlohmann::json::parse(text);
  EXPECT_EQ(parsed_json["schemaVersion"], 2);
  EXPECT_EQ(parsed_json["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
            "127.0.0.1:5000/busybox:latest");
  auto parsed = parse_oci_index(text);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].ref_name, entry.ref_name);
  EXPECT_EQ(parsed[0].manifest.digest, kDiffA);
  EXPECT_EQ(parsed[0].manifest.size, 405);
}

TEST(OciIndex, ParsesPodmanIndexWithoutMediaType) {
  auto parsed = parse_oci_index(
      R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("digest":")" + kDiffB + R"(","size":10}]})");
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].ref_name, "");
}

TEST(OciIndex, RejectsEmptyAndMalformed) {
  EXPECT_EQ(code_of([] { parse_oci_index(R"({"schemaVersion":2,"manifests":[]})"); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { parse_oci_index("{"); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] {
              parse_oci_index(R"({"schemaVersion":2,"manifests":[{"digest":"sha256:zz"}]})");
            }),
            ErrorCode::kInvalidArgument);
}

TEST(ImageManifest, ParsesBack) {
  Descriptor config{std::string(media_type::kOciConfig), kDiffA, 438, std::nullopt, {}};
  Descriptor layer{std::string(media_type::kOciLayer), kDiffB, 2048, std::nullopt, {}};
  std::string text = image_manifest(media_type::kOciManifest, config, {layer});
  auto parsed = parse_manifest(text, media_type::kOciManifest);
  EXPECT_EQ(parsed.config.digest, kDiffA);
  EXPECT_EQ(parsed.config.size, 438);
  ASSERT_EQ(parsed.layers.size(), 1u);
  EXPECT_EQ(parsed.layers[0].media_type, media_type::kOciLayer);
  EXPECT_EQ(parsed.layers[0].size, 2048);
}

TEST(ContainedPath, RejectsEscapes) {
  EXPECT_TRUE(is_contained_path("a.tar"));
  EXPECT_TRUE(is_contained_path("blobs/sha256/abc"));
  EXPECT_FALSE(is_contained_path(""));
  EXPECT_FALSE(is_contained_path("/abs"));
  EXPECT_FALSE(is_contained_path(".."));
  EXPECT_FALSE(is_contained_path("a/../b"));
  EXPECT_FALSE(is_contained_path("./a"));
}

}  // namespace
}  // namespace berth::image
