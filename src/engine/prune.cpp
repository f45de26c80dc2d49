// image prune: removal of dangling (or all unused) images and their layers.

#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/image_query.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

ImagePruneFilters parse_image_prune_filters(const std::vector<std::string>& filters) {
  ImagePruneFilters parsed;
  for (const auto& filter : filters) {
    auto equals = filter.find('=');
    if (equals == std::string::npos) {
      fail(ErrorCode::kInvalidArgument,
           "invalid filter \"{}\": use KEY=VALUE, with the key until or label", filter);
    }
    std::string key = filter.substr(0, equals);
    std::string value = filter.substr(equals + 1);
    if (key == "until") {
      with_context(fmt::format("invalid filter \"{}\"", filter),
                   [&] { parsed.until_ns = parse_time_or_duration(value); });
    } else if (key == "label" || key == "label!") {
      if (value.empty()) {
        fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": the label key is missing",
             filter);
      }
      ImagePruneFilters::Label label;
      label.negate = key == "label!";
      auto label_equals = value.find('=');
      label.key = value.substr(0, label_equals);
      if (label_equals != std::string::npos) label.value = value.substr(label_equals + 1);
      parsed.labels.push_back(std::move(label));
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid filter \"{}\": unsupported key \"{}\", use until, label or label!=", filter,
           key);
    }
  }
  return parsed;
}

bool image_matches_prune_filters(const ImagePruneFilters& filters, std::int64_t created_ns,
                                 const nlohmann::json& labels) {
  if (filters.until_ns && created_ns >= *filters.until_ns) return false;
  for (const auto& label : filters.labels) {
    bool present = labels.is_object() && labels.contains(label.key);
    bool matched = present && (!label.value || (labels[label.key].is_string() &&
                                                labels[label.key].get<std::string>() == *label.value));
    if (matched == label.negate) return false;
  }
  return true;
}

namespace {

nlohmann::json config_labels(const std::string& config_text) {
  auto config = nlohmann::json::parse(config_text, nullptr, false);
  if (config.is_discarded() || !config.is_object()) return nullptr;
  auto inner = config.find("config");
  if (inner == config.end() || !inner->is_object()) return nullptr;
  auto labels = inner->find("Labels");
  if (labels == inner->end()) return nullptr;
  return *labels;
}

}  // namespace

std::vector<std::string> LocalEngine::prune_images(const ImagePruneRequest& request) {
  ImagePruneFilters filters = parse_image_prune_filters(request.filters);
  std::vector<std::string> removed;
  auto& db = ctx_.db();
  // One transaction, so the in-use check and the removal read the same
  // containers.
  db.write([&] {
    std::set<std::string> in_use;
    for (const auto& c : db.list_containers()) in_use.insert(c.image_id);
    for (const auto& image : db.list_images()) {
      if (in_use.count(image.id)) continue;
      if (!request.all && !image.names.empty()) continue;
      if (!image_matches_prune_filters(filters, image.created_ns, config_labels(image.config))) {
        continue;
      }
      db.remove_image(image.id);
      removed.push_back(image.id);
    }
  });
  if (!removed.empty()) remove_unused_layers();
  return removed;
}

}  // namespace berth::engine
