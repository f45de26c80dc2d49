#include "engine/recorded_progress.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace berth::engine {
namespace {

// Stores each event as text, to compare a replay with what was recorded.
class EventLog : public PullProgress {
 public:
  void trying(const std::string&) override {}
  void copying_blob(const std::string& digest, bool exists) override {
    lines.push_back("blob " + digest + (exists ? " exists" : ""));
  }
  void copying_config(const std::string& digest) override { lines.push_back("config " + digest); }
  void writing_manifest() override { lines.push_back("manifest"); }

  std::vector<std::string> lines;
};

TEST(RecordedProgress, ReplaysInOrder) {
  RecordedProgress recorded;
  recorded.copying_blob("sha256:aa", true);
  recorded.copying_blob("sha256:bb", false);
  recorded.copying_config("sha256:cc");
  recorded.writing_manifest();
  EventLog log;
  replay_progress(nlohmann::json::parse(recorded.events().dump()), log);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"blob sha256:aa exists", "blob sha256:bb",
                                                 "config sha256:cc", "manifest"}));
}

TEST(RecordedProgress, IgnoresWhatIsNotAList) {
  EventLog log;
  replay_progress(nullptr, log);
  replay_progress(nlohmann::json::object(), log);
  replay_progress(nlohmann::json::array({1, "x", nlohmann::json::object()}), log);
  EXPECT_TRUE(log.lines.empty());
}

}  // namespace
}  // namespace berth::engine
