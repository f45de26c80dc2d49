#include "image/manifest_list.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "image/manifest.hpp"

namespace berth::image {
namespace {

const std::string kDigestA =
    "sha256:c6b055c11b09724b24657e8cd3d812887c4c7e5789d6edacbcf57db0939f37a3";
const std::string kDigestB =
    "sha256:87e09b15e25c5be02e5cb22f453daa07508df0439c1a4c6130dab3c6f01fbe16";
const std::string kDigestC =
    "sha256:89987a24ed4f8cb047ceecadcc9e7e1e95a399fe7461af1e54325e3c217e1adc";

const std::string kOciIndex =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
    R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
    kDigestA +
    R"(","size":503,"platform":{"architecture":"amd64","os":"linux"}},)"
    R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
    kDigestB +
    R"(","size":504,"annotations":{"k":"v"},"platform":{"architecture":"arm64","os":"linux"}}],)"
    R"("annotations":{"top":"1"}})";

const std::string kDockerList =
    R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",)"
    R"("manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
    R"("size":427,"digest":")" +
    kDigestC +
    R"(","platform":{"architecture":"arm","os":"linux","variant":"v7","features":["sse4"]}}]})";

ListEntry entry_with(const std::string& digest, const std::string& arch) {
  ListEntry entry;
  entry.media_type = std::string(media_type::kOciManifest);
  entry.digest = digest;
  entry.size = 100;
  entry.platform = ListPlatform{arch, "linux", "", {}, "", {}};
  return entry;
}

TEST(ManifestList, ParsesOciIndex) {
  auto list = parse_manifest_list(kOciIndex, "");
  ASSERT_EQ(list.manifests.size(), 2u);
  EXPECT_EQ(list.manifests[0].digest, kDigestA);
  EXPECT_EQ(list.manifests[0].size, 503);
  ASSERT_TRUE(list.manifests[1].platform.has_value());
  EXPECT_EQ(list.manifests[1].platform->architecture, "arm64");
  EXPECT_EQ(list.manifests[1].annotations.at("k"), "v");
  EXPECT_EQ(list.annotations.at("top"), "1");
}

TEST(ManifestList, ParsesDockerList) {
  auto list = parse_manifest_list(kDockerList, media_type::kDockerManifestList);
  ASSERT_EQ(list.manifests.size(), 1u);
  const auto& platform = *list.manifests[0].platform;
  EXPECT_EQ(platform.architecture, "arm");
  EXPECT_EQ(platform.variant, "v7");
  ASSERT_EQ(platform.features.size(), 1u);
  EXPECT_EQ(platform.features[0], "sse4");
}

TEST(ManifestList, RejectsImageManifest) {
  std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"x","digest":")" +
      kDigestA + R"(","size":1},"layers":[]})";
  EXPECT_THROW(parse_manifest_list(manifest, ""), Error);
}

TEST(ManifestList, RejectsInvalidEntryDigest) {
  std::string body = R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:12",)"
                     R"("size":1}]})";
  EXPECT_THROW(parse_manifest_list(body, ""), Error);
}

TEST(ManifestList, OciRoundTripKeepsBytes) {
  auto list = parse_manifest_list(kOciIndex, "");
  EXPECT_EQ(serialize_manifest_list(list, media_type::kOciIndex), kOciIndex);
}

TEST(ManifestList, DockerRoundTripKeepsBytes) {
  auto list = parse_manifest_list(kDockerList, "");
  EXPECT_EQ(serialize_manifest_list(list, media_type::kDockerManifestList), kDockerList);
}

TEST(ManifestList, DockerFormatDropsAnnotations) {
  auto list = parse_manifest_list(kOciIndex, "");
  auto docker = nlohmann::json::parse(serialize_manifest_list(list, media_type::kDockerManifestList));
  EXPECT_EQ(docker["mediaType"], std::string(media_type::kDockerManifestList));
  EXPECT_FALSE(docker.contains("annotations"));
  EXPECT_FALSE(docker["manifests"][1].contains("annotations"));
  EXPECT_EQ(docker["manifests"][1]["digest"], kDigestB);
}

TEST(ManifestList, SerializeRejectsImageType) {
  ManifestList list;
  EXPECT_THROW(serialize_manifest_list(list, media_type::kOciManifest), Error);
}

TEST(ManifestList, AddAppendsNewDigest) {
  auto list = parse_manifest_list(kOciIndex, "");
  add_list_entry(list, entry_with(kDigestC, "s390x"));
  ASSERT_EQ(list.manifests.size(), 3u);
  EXPECT_EQ(list.manifests[2].digest, kDigestC);
}

TEST(ManifestList, AddReplacesSameDigest) {
  auto list = parse_manifest_list(kOciIndex, "");
  add_list_entry(list, entry_with(kDigestA, "ppc64le"));
  ASSERT_EQ(list.manifests.size(), 2u);
  EXPECT_EQ(list.manifests[0].platform->architecture, "ppc64le");
}

TEST(ManifestList, AddToDockerListThenSerialize) {
  auto list = parse_manifest_list(kDockerList, "");
  add_list_entry(list, entry_with(kDigestA, "amd64"));
  auto docker = nlohmann::json::parse(serialize_manifest_list(list, media_type::kDockerManifestList));
  ASSERT_EQ(docker["manifests"].size(), 2u);
  EXPECT_EQ(docker["manifests"][1]["platform"]["architecture"], "amd64");
}

TEST(ManifestList, RemoveDropsEntry) {
  auto list = parse_manifest_list(kOciIndex, "");
  remove_list_entry(list, kDigestA);
  ASSERT_EQ(list.manifests.size(), 1u);
  EXPECT_EQ(list.manifests[0].digest, kDigestB);
}

TEST(ManifestList, RemoveFromDockerList) {
  auto list = parse_manifest_list(kDockerList, "");
  remove_list_entry(list, kDigestC);
  EXPECT_TRUE(list.manifests.empty());
  auto docker = nlohmann::json::parse(serialize_manifest_list(list, media_type::kDockerManifestList));
  EXPECT_TRUE(docker["manifests"].empty());
}

TEST(ManifestList, RemoveUnknownDigestThrowsNotFound) {
  auto list = parse_manifest_list(kOciIndex, "");
  try {
    remove_list_entry(list, kDigestC);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find(kDigestC), std::string::npos);
  }
  EXPECT_EQ(list.manifests.size(), 2u);
}

TEST(ManifestList, AnnotateSetsPlatformAndAnnotations) {
  auto list = parse_manifest_list(kOciIndex, "");
  EntryOverrides overrides;
  overrides.variant = "v8";
  overrides.os_version = "10.0";
  overrides.annotations = {{"k", "new"}, {"other", "x"}};
  apply_entry_overrides(find_list_entry(list, kDigestB), overrides);
  const auto& entry = list.manifests[1];
  EXPECT_EQ(entry.platform->variant, "v8");
  EXPECT_EQ(entry.platform->os_version, "10.0");
  EXPECT_EQ(entry.platform->architecture, "arm64");
  EXPECT_EQ(entry.annotations.at("k"), "new");
  EXPECT_EQ(entry.annotations.at("other"), "x");
  auto oci = nlohmann::json::parse(serialize_manifest_list(list, media_type::kOciIndex));
  EXPECT_EQ(oci["manifests"][1]["platform"]["os.version"], "10.0");
}

TEST(ManifestList, AnnotateDockerListEntry) {
  auto list = parse_manifest_list(kDockerList, "");
  EntryOverrides overrides;
  overrides.architecture = "arm64";
  overrides.variant = "v8";
  apply_entry_overrides(find_list_entry(list, kDigestC), overrides);
  auto docker = nlohmann::json::parse(serialize_manifest_list(list, media_type::kDockerManifestList));
  EXPECT_EQ(docker["manifests"][0]["platform"]["architecture"], "arm64");
  EXPECT_EQ(docker["manifests"][0]["platform"]["variant"], "v8");
  EXPECT_EQ(docker["manifests"][0]["platform"]["features"][0], "sse4");
}

TEST(ManifestList, AnnotateCreatesMissingPlatform) {
  ListEntry entry = entry_with(kDigestA, "amd64");
  entry.platform.reset();
  EntryOverrides overrides;
  overrides.os = "linux";
  apply_entry_overrides(entry, overrides);
  ASSERT_TRUE(entry.platform.has_value());
  EXPECT_EQ(entry.platform->os, "linux");
}

TEST(ManifestList, FindUnknownDigestThrows) {
  auto list = parse_manifest_list(kDockerList, "");
  EXPECT_THROW(find_list_entry(list, kDigestA), Error);
}

TEST(ManifestList, InspectUsesPodmanLayout) {
  auto list = parse_manifest_list(kOciIndex, "");
  auto out = manifest_list_inspect_json(list);
  EXPECT_EQ(out["mediaType"], std::string(media_type::kDockerManifestList));
  EXPECT_EQ(out["manifests"][1]["annotations"]["k"], "v");
  EXPECT_EQ(out["annotations"]["top"], "1");
  EXPECT_EQ(out["manifests"][0]["platform"]["architecture"], "amd64");
}

TEST(ManifestList, InspectEmptyListHasNullManifests) {
  auto out = manifest_list_inspect_json(ManifestList{});
  EXPECT_TRUE(out["manifests"].is_null());
}

TEST(ManifestList, ParseAnnotations) {
  auto annotations = parse_annotations({"a=b", "c=", "d=e=f"});
  EXPECT_EQ(annotations.at("a"), "b");
  EXPECT_EQ(annotations.at("c"), "");
  EXPECT_EQ(annotations.at("d"), "e=f");
  EXPECT_THROW(parse_annotations({"novalue"}), Error);
  EXPECT_THROW(parse_annotations({"=x"}), Error);
}

TEST(ManifestList, PlatformFromConfig) {
  auto platform = platform_from_config(
      R"({"architecture":"arm","os":"linux","variant":"v6","os.features":["f"]})");
  EXPECT_EQ(platform.architecture, "arm");
  EXPECT_EQ(platform.variant, "v6");
  ASSERT_EQ(platform.os_features.size(), 1u);
  EXPECT_THROW(platform_from_config("[]"), Error);
}

}  // namespace
}  // namespace berth::image
