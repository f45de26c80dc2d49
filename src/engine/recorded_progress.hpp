#pragma once

// Progress of save, load, import and commit carried from berth's service
// to its remote client, so the client prints the lines a local command
// prints. The events travel as a JSON list: {"blob": DIGEST, "exists":
// BOOL}, {"config": DIGEST} and {"manifest": true}, in the order the
// engine reported them.

#include <string>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace berth::engine {

// The reply field (load, import, commit) and header (save) with the events.
inline constexpr const char* kProgressField = "Progress";
inline constexpr const char* kProgressHeader = "Berth-Progress";

// A PullProgress that records the events save, load, import and commit
// report, as the list above.
class RecordedProgress : public PullProgress {
 public:
  void trying(const std::string&) override {}
  void copying_blob(const std::string& digest, bool already_exists) override;
  void copying_config(const std::string& digest) override;
  void writing_manifest() override;

  const nlohmann::json& events() const { return events_; }

 private:
  nlohmann::json events_ = nlohmann::json::array();
};

// Reports each event of a recorded list to progress. Anything that is not
// such a list, such as the null of a reply from Podman's service, which
// sends no progress, reports nothing.
void replay_progress(const nlohmann::json& events, PullProgress& progress);

}  // namespace berth::engine
