#include "image/archive_layout.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace berth::image {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

std::string checked_path(const json& value, std::string_view field) {
  if (!value.is_string()) {
    fail(ErrorCode::kInvalidArgument, "invalid manifest.json: \"{}\" is not a string", field);
  }
  auto path = value.get<std::string>();
  if (!is_contained_path(path)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid manifest.json: path \"{}\" in \"{}\" leaves the archive", path, field);
  }
  return path;
}

DockerArchiveImage parse_archive_image(const json& item) {
  if (!item.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid manifest.json: an entry is not an object");
  }
  DockerArchiveImage image;
  auto config = item.find("Config");
  if (config == item.end()) {
    fail(ErrorCode::kInvalidArgument, "invalid manifest.json: an entry has no \"Config\"");
  }
  image.config = checked_path(*config, "Config");
  auto layers = item.find("Layers");
  if (layers == item.end() || !layers->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid manifest.json: \"Layers\" is missing or not an array");
  }
  for (const auto& layer : *layers) image.layers.push_back(checked_path(layer, "Layers"));
  auto tags = item.find("RepoTags");
  if (tags != item.end() && !tags->is_null()) {
    if (!tags->is_array()) {
      fail(ErrorCode::kInvalidArgument, "invalid manifest.json: \"RepoTags\" is not an array");
    }
    for (const auto& tag : *tags) {
      if (!tag.is_string()) {
        fail(ErrorCode::kInvalidArgument, "invalid manifest.json: a \"RepoTags\" entry is not a string");
      }
      image.repo_tags.push_back(tag.get<std::string>());
    }
  }
  return image;
}

}  // namespace

bool is_contained_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto component = path.substr(start, end - start);
    if (component == "." || component == "..") return false;
    // An empty component comes from "a//b" or a trailing "/", which is harmless.
    start = end + 1;
  }
  return true;
}

std::vector<DockerArchiveImage> parse_docker_archive_manifest(std::string_view text) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "invalid manifest.json: not valid JSON: {}", e.what());
  }
  if (!document.is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid manifest.json: not a JSON array");
  }
  if (document.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid manifest.json: it lists no image");
  }
  std::vector<DockerArchiveImage> images;
  for (const auto& item : document) images.push_back(parse_archive_image(item));
  return images;
}

std::string docker_archive_manifest(const std::vector<DockerArchiveImage>& images) {
  ordered_json document = ordered_json::array();
  for (const auto& image : images) {
    ordered_json item;
    item["Config"] = image.config;
    item["RepoTags"] = image.repo_tags;
    item["Layers"] = image.layers;
    document.push_back(std::move(item));
  }
  return document.dump();
}

std::vector<std::string> legacy_layer_ids(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> ids;
  for (const auto& diff_id : diff_ids) {
    if (ids.empty()) {
      ids.push_back(Digest::parse(diff_id).hex);
    } else {
      ids.push_back(Digest::parse(sha256_digest(ids.back() + " " + diff_id)).hex);
    }
  }
  return ids;
}

std::string legacy_layer_json(const std::string& id, const std::string& parent_id) {
  ordered_json document;
  document["id"] = id;
  if (!parent_id.empty()) document["parent"] = parent_id;
  return document.dump();
}

std::string docker_repositories(const std::vector<RepositoryTag>& tags) {
  std::map<std::string, std::map<std::string, std::string>> repositories;
  for (const auto& tag : tags) {
    auto colon = tag.name.rfind(':');
    auto slash = tag.name.rfind('/');
    if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) continue;
    repositories[tag.name.substr(0, colon)][tag.name.substr(colon + 1)] = tag.top_layer_id;
  }
  return json(repositories).dump();
}

std::string oci_layout_file() { return R"({"imageLayoutVersion":"1.0.0"})"; }

std::string oci_index(const std::vector<OciIndexEntry>& entries) {
  ordered_json document;
  document["schemaVersion"] = 2;
  document["manifests"] = ordered_json::array();
  for (const auto& entry : entries) {
    ordered_json item;
    item["mediaType"] = entry.manifest.media_type;
    item["digest"] = entry.manifest.digest;
    item["size"] = entry.manifest.size;
    if (!entry.ref_name.empty()) {
      item["annotations"][std::string(kOciRefNameAnnotation)] = entry.ref_name;
    }
    document["manifests"].push_back(std::move(item));
  }
  return document.dump();
}

std::vector<OciIndexEntry> parse_oci_index(std::string_view text) {
  auto index = with_context("invalid index.json",
                            [&] { return parse_index(text, media_type::kOciIndex); });
  if (index.manifests.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid index.json: it lists no manifest");
  }
  std::vector<OciIndexEntry> entries;
  for (auto& descriptor : index.manifests) {
    OciIndexEntry entry;
    auto name = descriptor.annotations.find(std::string(kOciRefNameAnnotation));
    if (name != descriptor.annotations.end()) entry.ref_name = name->second;
    entry.manifest = std::move(descriptor);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string image_manifest(std::string_view media_type, const Descriptor& config,
                           const std::vector<Descriptor>& layers) {
  auto descriptor = [](const Descriptor& d) {
    ordered_json item;
    item["mediaType"] = d.media_type;
    item["digest"] = d.digest;
    item["size"] = d.size;
    return item;
  };
  ordered_json document;
  document["schemaVersion"] = 2;
  document["mediaType"] = media_type;
  document["config"] = descriptor(config);
  document["layers"] = ordered_json::array();
  for (const auto& layer : layers) document["layers"].push_back(descriptor(layer));
  return document.dump();
}

}  // namespace berth::image
