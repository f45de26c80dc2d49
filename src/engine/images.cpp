// Local image operations: lookup by ID or name, listing, inspection and
// removal with layer garbage collection.

#include <algorithm>
#include <optional>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/inspect.hpp"
#include "engine/local_engine.hpp"
#include "image/reference.hpp"
#include "os/lock.hpp"
#include "container/operations.hpp"
#include "events/events.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

LocalEngine::LocalEngine(container::Paths paths, std::optional<std::string> runtime_name)
    : ctx_(std::move(paths), std::move(runtime_name)) {}

LocalEngine::~LocalEngine() = default;

const config::RegistriesConfig& LocalEngine::registries() {
  if (!registries_) registries_ = config::RegistriesConfig::load();
  return *registries_;
}

namespace {

// Whether name (as stored: "registry/repository:tag") matches what a user
// typed: the full name, the name without ":latest", or a short name that
// equals the repository's trailing components.
bool name_matches(const std::string& stored, const std::string& wanted) {
  if (stored == wanted) return true;
  std::string full = wanted;
  auto last_slash = full.rfind('/');
  auto last_colon = full.rfind(':');
  if (last_colon == std::string::npos || (last_slash != std::string::npos && last_colon < last_slash)) {
    if (full.find('@') == std::string::npos) full += ":latest";
  }
  if (stored == full) return true;
  return stored.ends_with("/" + full);
}

}  // namespace

std::optional<state::ImageRecord> LocalEngine::find_image(const std::string& name_or_id) {
  std::string key = name_or_id;
  if (key.starts_with("sha256:")) key.erase(0, 7);
  auto& db = ctx_.db();
  if (auto image = db.get_image(key)) return image;
  if (auto id = db.image_by_name(name_or_id)) return db.get_image(*id);

  auto images = db.list_images();
  std::vector<const state::ImageRecord*> matches;
  bool hex = key.size() >= 3 && key.find_first_not_of("0123456789abcdef") == std::string::npos;
  for (const auto& image : images) {
    if (hex && image.id.starts_with(key)) {
      matches.push_back(&image);
      continue;
    }
    bool matched = false;
    for (const auto& name : image.names) matched = matched || name_matches(name, name_or_id);
    for (const auto& rd : image.repo_digests) matched = matched || rd == name_or_id || rd.ends_with("/" + name_or_id);
    if (matched) matches.push_back(&image);
  }
  if (matches.empty()) return std::nullopt;
  if (matches.size() > 1) {
    fail(ErrorCode::kInvalidArgument,
         "\"{}\" matches more than one image: use a full name or a longer ID", name_or_id);
  }
  return *matches.front();
}

state::ImageRecord LocalEngine::require_image(const std::string& name_or_id) {
  auto image = find_image(name_or_id);
  if (!image) fail(ErrorCode::kNotFound, "{}: image not known", name_or_id);
  return *image;
}

bool LocalEngine::image_exists(const std::string& name_or_id) {
  return find_image(name_or_id).has_value();
}

namespace {

std::size_t history_length(const state::ImageRecord& image) {
  auto config = nlohmann::json::parse(image.config, nullptr, false);
  if (!config.is_object() || !config.contains("history") || !config["history"].is_array()) {
    return 0;
  }
  return config["history"].size();
}

// Whether another image builds on the unnamed image: its layers start with
// the image's and it has more layers, or the same layers and a longer
// history (a later step that changed only the config).
bool has_child(const state::ImageRecord& image, const std::vector<state::ImageRecord>& all) {
  std::optional<std::size_t> own_history;
  for (const auto& other : all) {
    if (other.id == image.id || other.layers.size() < image.layers.size() ||
        !std::equal(image.layers.begin(), image.layers.end(), other.layers.begin())) {
      continue;
    }
    if (other.layers.size() > image.layers.size()) return true;
    if (!own_history) own_history = history_length(image);
    if (history_length(other) > *own_history) return true;
  }
  return false;
}

}  // namespace

std::vector<ImageSummary> LocalEngine::list_images() {
  std::vector<ImageSummary> result;
  auto images = ctx_.db().list_images();
  for (auto& image : images) {
    ImageSummary s;
    s.intermediate = image.names.empty() && !image.layers.empty() && has_child(image, images);
    s.id = image.id;
    s.names = image.names;
    s.repo_digests = image.repo_digests;
    s.digest = image.digest;
    s.created_ns = image.created_ns;
    s.size = image.size;
    result.push_back(std::move(s));
  }
  return result;
}

nlohmann::json LocalEngine::inspect_image(const std::string& name_or_id) {
  return image_inspect_json(require_image(name_or_id));
}

ImageRemoveReport LocalEngine::remove_image(const std::string& name_or_id, bool force) {
  ImageRemoveReport report;
  auto image = require_image(name_or_id);
  // Removing one of several names only untags it.
  auto named = std::find_if(image.names.begin(), image.names.end(),
                            [&](const std::string& n) { return name_matches(n, name_or_id); });
  if (image.names.size() > 1 && named != image.names.end()) {
    report.untagged = remove_image_names(image.id, name_or_id, {*named});
    return report;
  }
  if (named == image.names.end() && image.names.size() > 1 && !force) {
    std::string names;
    for (const auto& n : image.names) names += (names.empty() ? "" : ", ") + n;
    // Exit code 125 like Podman: 2 is for an image that containers use.
    fail(ErrorCode::kInvalidArgument,
         "unable to delete image {} by ID with more than one tag ({}): remove it by name, or "
         "use --force to remove every tag",
         image.id.substr(0, 12), names);
  }
  std::vector<state::ContainerRecord> users;
  for (auto& c : ctx_.db().list_containers()) {
    if (c.image_id == image.id) users.push_back(c);
  }
  if (!users.empty() && !force) {
    fail(ErrorCode::kConflict,
         "image {} is in use by container {} ({}): remove the container first, or use --force",
         image.id.substr(0, 12), users.front().id.substr(0, 12), users.front().name);
  }
  for (auto& c : users) {
    container::refresh(ctx_, c);
    container::remove(ctx_, c, true);
  }
  ctx_.db().remove_image(image.id);
  for (const auto& name : image.names) events::write_image(ctx_.db(), "untag", image.id, name);
  events::write_image(ctx_.db(), "remove", image.id, image.names.empty() ? "" : image.names[0]);
  report.untagged = image.names;
  report.deleted.push_back(image.id);
  remove_unused_layers();
  return report;
}

void LocalEngine::remove_unused_layers() {
  os::FileLock store_lock(ctx_.paths().root + "/layers.lock");
  std::set<std::string> used;
  for (const auto& image : ctx_.db().list_images()) used.insert(image.layers.begin(), image.layers.end());
  auto& layers = ctx_.layers();
  for (const auto& diff_id : layers.list()) {
    if (used.count(diff_id)) continue;
    try {
      layers.remove(diff_id);
    } catch (const Error& e) {
      spdlog::warn("removing unused layer {}: {}", diff_id, e.what());
    }
  }
}

}  // namespace berth::engine
