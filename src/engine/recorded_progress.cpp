#include "engine/recorded_progress.hpp"

namespace berth::engine {

using nlohmann::json;

void RecordedProgress::copying_blob(const std::string& digest, bool already_exists) {
  events_.push_back({{"blob", digest}, {"exists", already_exists}});
}

void RecordedProgress::copying_config(const std::string& digest) {
  events_.push_back({{"config", digest}});
}

void RecordedProgress::writing_manifest() { events_.push_back({{"manifest", true}}); }

void replay_progress(const json& events, PullProgress& progress) {
  if (!events.is_array()) return;
  for (const auto& event : events) {
    if (!event.is_object()) continue;
    if (auto blob = event.find("blob"); blob != event.end() && blob->is_string()) {
      auto exists = event.find("exists");
      progress.copying_blob(*blob, exists != event.end() && exists->is_boolean() && *exists);
    } else if (auto config = event.find("config"); config != event.end() && config->is_string()) {
      progress.copying_config(*config);
    } else if (event.contains("manifest")) {
      progress.writing_manifest();
    }
  }
}

}  // namespace berth::engine
