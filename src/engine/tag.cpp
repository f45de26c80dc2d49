// Adding and removing the names of a local image: tag and untag.

#include "engine/tag.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "engine/local_engine.hpp"
#include "events/events.hpp"
#include "image/reference.hpp"

namespace berth::engine {

std::string normalize_tag_name(std::string_view text) {
  auto parsed = with_context(fmt::format("normalizing name \"{}\"", text),
                             [&] { return image::parse_reference(text); });
  if (!parsed.ref.digest.empty()) {
    fail(ErrorCode::kInvalidArgument, "{}: tag by digest not supported: give a name with a tag",
         text);
  }
  if (!parsed.qualified) parsed.ref.registry = "localhost";
  return parsed.ref.str();
}

void LocalEngine::tag_image(const std::string& name_or_id, const std::vector<std::string>& names) {
  if (names.empty()) {
    fail(ErrorCode::kInvalidArgument, "tagging {}: missing target name: give at least one",
         name_or_id);
  }
  std::vector<std::string> normalized;
  for (const auto& name : names) normalized.push_back(normalize_tag_name(name));

  auto id = require_image(name_or_id).id;
  auto& db = ctx_.db();
  // Re-reading the image inside the write transaction keeps a concurrent
  // tag, untag or rmi from being overwritten. put_image moves each name
  // away from the image that had it before.
  db.write([&] {
    auto image = db.get_image(id);
    if (!image) fail(ErrorCode::kNotFound, "{}: image not known", name_or_id);
    for (const auto& name : normalized) {
      if (std::find(image->names.begin(), image->names.end(), name) == image->names.end()) {
        image->names.push_back(name);
      }
    }
    db.put_image(*image);
  });
  for (const auto& name : normalized) events::write_image(db, "tag", id, name);
}

std::vector<std::string> LocalEngine::untag_image(const std::string& name_or_id,
                                                  const std::vector<std::string>& names) {
  std::vector<std::string> normalized;
  for (const auto& name : names) normalized.push_back(normalize_tag_name(name));

  auto id = require_image(name_or_id).id;
  return remove_image_names(id, name_or_id, normalized);
}

std::vector<std::string> LocalEngine::remove_image_names(const std::string& id,
                                                         const std::string& name_or_id,
                                                         const std::vector<std::string>& names) {
  std::vector<std::string> removed;
  auto& db = ctx_.db();
  db.write([&] {
    auto image = db.get_image(id);
    if (!image) fail(ErrorCode::kNotFound, "{}: image not known", name_or_id);
    if (names.empty()) {
      removed = std::move(image->names);
      image->names.clear();
    }
    // Every name is checked before any is removed, so a missing one leaves
    // the image as it was.
    for (const auto& name : names) {
      auto found = std::find(image->names.begin(), image->names.end(), name);
      if (found == image->names.end()) {
        fail(ErrorCode::kNotFound, "{}: tag not known: image {} has no such name", name,
             id.substr(0, 12));
      }
      image->names.erase(found);
      removed.push_back(name);
    }
    db.put_image(*image);
  });
  for (const auto& name : removed) events::write_image(db, "untag", id, name);
  return removed;
}

}  // namespace berth::engine
