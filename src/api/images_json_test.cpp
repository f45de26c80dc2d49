#include "api/images_json.hpp"

#include <gtest/gtest.h>

#include "api/images_progress.hpp"
#include "api/images_request.hpp"
#include "common/error.hpp"

namespace berth::api {
namespace {

ImageListItem make_item(std::string id, std::vector<std::string> names,
                        std::vector<std::string> layers, std::int64_t created_s) {
  ImageListItem item;
  item.summary.id = std::move(id);
  item.summary.names = std::move(names);
  item.summary.created_ns = created_s * 1000000000;
  item.summary.size = 100;
  item.layers = std::move(layers);
  return item;
}

TEST(ReferenceFilter, MatchesShortForms) {
  std::string name = "127.0.0.1:5000/busybox:latest";
  EXPECT_TRUE(reference_filter_matches("busybox", name));
  EXPECT_TRUE(reference_filter_matches("busybox:latest", name));
  EXPECT_TRUE(reference_filter_matches("127.0.0.1:5000/busybox", name));
  EXPECT_TRUE(reference_filter_matches("busy*", name));
  EXPECT_TRUE(reference_filter_matches("*/busybox:lat*", name));
  EXPECT_FALSE(reference_filter_matches("busybox:1.36", name));
  EXPECT_FALSE(reference_filter_matches("box", name));
  EXPECT_TRUE(reference_filter_matches("busybox", "docker.io/library/busybox:1.36"));
}

TEST(ImageListFilter, RejectsUnknownKey) {
  EXPECT_THROW(ImageListFilter::parse({"colour=red"}), Error);
  EXPECT_THROW(ImageListFilter::parse({"dangling=maybe"}), Error);
  EXPECT_THROW(ImageListFilter::parse({"reference"}), Error);
}

TEST(ImageListFilter, DanglingAndReference) {
  std::vector<ImageListItem> items = {
      make_item("aaa111", {"127.0.0.1:5000/busybox:latest", "localhost/mine:1"}, {"l1"}, 10),
      make_item("bbb222", {}, {"l9"}, 20)};
  auto dangling = filter_image_list(items, ImageListFilter::parse({"dangling=true"}), false);
  ASSERT_EQ(1u, dangling.size());
  EXPECT_EQ("bbb222", dangling[0].summary.id);

  auto named = filter_image_list(items, ImageListFilter::parse({"reference=busybox"}), false);
  ASSERT_EQ(1u, named.size());
  ASSERT_EQ(1u, named[0].summary.names.size()) << "only matching names stay";
  EXPECT_EQ("127.0.0.1:5000/busybox:latest", named[0].summary.names[0]);
}

TEST(ImageListFilter, LabelsBeforeSince) {
  std::vector<ImageListItem> items = {make_item("aaa111", {"a:1"}, {"l1"}, 10),
                                      make_item("bbb222", {"b:1"}, {"l2"}, 20),
                                      make_item("ccc333", {"c:1"}, {"l3"}, 30)};
  items[1].labels = {{"tier", "web"}};
  auto labelled = filter_image_list(items, ImageListFilter::parse({"label=tier=web"}), false);
  ASSERT_EQ(1u, labelled.size());
  EXPECT_EQ("bbb222", labelled[0].summary.id);
  auto unlabelled = filter_image_list(items, ImageListFilter::parse({"label!=tier"}), false);
  EXPECT_EQ(2u, unlabelled.size());

  auto before = filter_image_list(items, ImageListFilter::parse({"before=b:1"}), false);
  ASSERT_EQ(1u, before.size());
  EXPECT_EQ("aaa111", before[0].summary.id);
  auto since = filter_image_list(items, ImageListFilter::parse({"since=bbb"}), false);
  ASSERT_EQ(1u, since.size());
  EXPECT_EQ("ccc333", since[0].summary.id);
  EXPECT_THROW(filter_image_list(items, ImageListFilter::parse({"before=nosuch"}), false), Error);
}

TEST(ImageListFilter, IntermediateHiddenWithoutAll) {
  std::vector<ImageListItem> items = {make_item("parent", {}, {"l1"}, 10),
                                      make_item("child", {"c:1"}, {"l1", "l2"}, 20),
                                      make_item("lone", {}, {"l7"}, 30)};
  EXPECT_TRUE(is_intermediate_image(items[0], items));
  EXPECT_FALSE(is_intermediate_image(items[2], items));
  EXPECT_EQ(2u, filter_image_list(items, {}, false).size());
  EXPECT_EQ(3u, filter_image_list(items, {}, true).size());
}

TEST(ImageSummaryJson, CompatShape) {
  auto item = make_item("abc", {}, {"l1"}, 7);
  auto out = compat_image_summary(item);
  EXPECT_EQ("sha256:abc", out["Id"]);
  EXPECT_EQ("<none>:<none>", out["RepoTags"][0]);
  EXPECT_EQ(7, out["Created"]);
  EXPECT_EQ(-1, out["Containers"]);
  EXPECT_TRUE(out["Labels"].is_object());
}

TEST(ImageSummaryJson, LibpodShape) {
  auto item = make_item("abc", {"localhost/x:1"}, {"l1"}, 7);
  item.containers = 2;
  auto out = libpod_image_summary(item);
  EXPECT_EQ("abc", out["Id"]);
  EXPECT_EQ(2, out["Containers"]);
  EXPECT_EQ(false, out["Dangling"]);
  EXPECT_EQ("localhost/x:1", out["Names"][0]);
}

TEST(HistoryJson, IdsPerApi) {
  engine::ImageHistoryEntry top;
  top.id = "abc";
  top.created_ns = 5000000000;
  top.tags = {"x:1"};
  engine::ImageHistoryEntry base;
  base.id = "<missing>";
  auto compat = history_json({top, base}, false);
  EXPECT_EQ("sha256:abc", compat[0]["Id"]);
  EXPECT_EQ(5, compat[0]["Created"]);
  EXPECT_EQ("x:1", compat[0]["Tags"][0]);
  EXPECT_EQ("<missing>", compat[1]["Id"]);
  EXPECT_TRUE(compat[1]["Tags"].is_null());
  EXPECT_EQ("abc", history_json({top}, true)[0]["Id"]);
}

TEST(RemoveReportJson, UntaggedThenDeleted) {
  engine::ImageRemoveReport report{{"a:1", "b:2"}, {"abc"}};
  auto out = compat_remove_report(report);
  ASSERT_EQ(3u, out.size());
  EXPECT_EQ("a:1", out[0]["Untagged"]);
  EXPECT_EQ("sha256:abc", out[2]["Deleted"]);
}

TEST(SearchJson, BothShapes) {
  engine::SearchResult result;
  result.index = "127.0.0.1:5000";
  result.name = "127.0.0.1:5000/busybox";
  result.official = true;
  EXPECT_EQ(true, search_json({result}, false)[0]["is_official"]);
  EXPECT_EQ("[OK]", search_json({result}, true)[0]["Official"]);
  EXPECT_EQ("", search_json({result}, true)[0]["Automated"]);
}

TEST(CompatImageInspect, DockerFields) {
  nlohmann::json libpod = {{"Id", "f577aa"},
                           {"Digest", "sha256:8998"},
                           {"RepoTags", {"127.0.0.1:5000/busybox:latest"}},
                           {"Config",
                            {{"Cmd", {"sh"}},
                             {"Volumes", {{"/data", nlohmann::json::object()}}},
                             {"StopSignal", "SIGINT"}}},
                           {"Version", "20.10.5"},
                           {"Os", "linux"},
                           {"ManifestType", "application/vnd.oci.image.manifest.v1+json"},
                           {"NamesHistory", {"127.0.0.1:5000/busybox:latest"}},
                           {"User", ""},
                           {"Labels", nullptr}};
  auto out = compat_image_inspect(libpod);
  EXPECT_EQ("sha256:f577aa", out["Id"]);
  EXPECT_EQ("", out["Container"]);
  EXPECT_EQ("20.10.5", out["DockerVersion"]);
  EXPECT_EQ(out["Config"], out["ContainerConfig"]);
  EXPECT_EQ(nlohmann::ordered_json({{"/data", nlohmann::json::object()}}),
            out["ContainerConfig"]["Volumes"]);
  EXPECT_EQ("SIGINT", out["Config"]["StopSignal"]);
  EXPECT_EQ("", out["Config"]["WorkingDir"]);
  EXPECT_TRUE(out["Config"]["Entrypoint"].is_null());
  EXPECT_FALSE(out["Config"].contains("ExposedPorts"));
  EXPECT_EQ("0001-01-01T00:00:00Z", out["Metadata"]["LastTagTime"]);
  for (const char* podman_only :
       {"Digest", "ManifestType", "NamesHistory", "User", "Version", "Labels"}) {
    EXPECT_FALSE(out.contains(podman_only)) << podman_only;
  }
}

TEST(ProgressBar, Shape) {
  EXPECT_EQ("abcdef012345", short_digest("sha256:abcdef0123456789"));
  std::string bar = compat_progress_bar(500, 1000);
  EXPECT_EQ('[', bar[0]);
  EXPECT_NE(bar.find("500B/1kB"), std::string::npos) << bar;
  EXPECT_NE(bar.find("=>"), std::string::npos) << bar;
}

TEST(LoopbackRegistry, Hosts) {
  EXPECT_TRUE(is_loopback_registry("127.0.0.1:5000"));
  EXPECT_TRUE(is_loopback_registry("localhost:5000"));
  EXPECT_TRUE(is_loopback_registry("[::1]:5000"));
  EXPECT_FALSE(is_loopback_registry("quay.io"));
  EXPECT_FALSE(is_loopback_registry("127example.com"));
}

}  // namespace
}  // namespace berth::api
