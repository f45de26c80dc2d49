#include "engine/remote_manifest.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace berth::engine::remote {
namespace {

// Records each call as one line of text.
class RecordingProgress : public ManifestPushProgress {
 public:
  std::vector<std::string> calls;

  void copying_instances(std::size_t count) override {
    calls.push_back("instances " + std::to_string(count));
  }
  void copying_instance(const std::string& digest, std::size_t index,
                        std::size_t count) override {
    calls.push_back("instance " + digest + " " + std::to_string(index) + "/" +
                    std::to_string(count));
  }
  void writing_list() override { calls.push_back("list"); }
  void trying(const std::string& reference) override { calls.push_back("trying " + reference); }
  void copying_blob(const std::string& digest, bool already_exists) override {
    calls.push_back("blob " + digest);
  }
  void copying_config(const std::string& digest) override { calls.push_back("config " + digest); }
  void writing_manifest() override { calls.push_back("manifest"); }
};

TEST(ManifestPushLine, ReadsListLines) {
  RecordingProgress progress;
  report_manifest_push_line("Copying 3 of 3 images in list\n", progress);
  report_manifest_push_line("Copying image sha256:abc (2/3)\n", progress);
  report_manifest_push_line("Writing manifest list to image destination\n", progress);
  EXPECT_EQ(progress.calls,
            (std::vector<std::string>{"instances 3", "instance sha256:abc 2/3", "list"}));
}

TEST(ManifestPushLine, DropsLinesProgressPrintsItself) {
  RecordingProgress progress;
  for (const char* line : {"Getting image list signatures\n", "Storing list signatures\n",
                           "Storing signatures\n"}) {
    report_manifest_push_line(line, progress);
  }
  EXPECT_TRUE(progress.calls.empty());
}

TEST(ManifestPushLine, DropsMalformedCounts) {
  RecordingProgress progress;
  report_manifest_push_line("Copying many of many images in list\n", progress);
  report_manifest_push_line("Copying image sha256:abc (x/3)\n", progress);
  report_manifest_push_line("Copying image sha256:abc\n", progress);
  EXPECT_TRUE(progress.calls.empty());
}

TEST(ManifestPushLine, PassesBlobLinesOn) {
  RecordingProgress progress;
  report_manifest_push_line("Copying blob sha256:def\n", progress);
  ASSERT_EQ(progress.calls.size(), 1u);
  EXPECT_EQ(progress.calls[0], "blob sha256:def");
}

}  // namespace
}  // namespace berth::engine::remote
