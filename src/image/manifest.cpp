#include "image/manifest.hpp"

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace berth::image {

namespace {

using nlohmann::json;

json parse_json(std::string_view body, std::string_view kind) {
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: the body is not a JSON object", kind);
  }
  return document;
}

std::string string_member(const json& object, const char* key, std::string_view kind) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (!it->is_string())
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"{}\" is not a string", kind, key);
  return it->get<std::string>();
}

Platform parse_platform_object(const json& object, std::string_view kind) {
  if (!object.is_object())
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"platform\" is not an object", kind);
  return Platform{string_member(object, "os", kind), string_member(object, "architecture", kind),
                  string_member(object, "variant", kind)};
}

Descriptor parse_descriptor(const json& object, std::string_view kind) {
  if (!object.is_object())
    fail(ErrorCode::kInvalidArgument, "invalid {}: a descriptor is not an object", kind);
  Descriptor descriptor;
  descriptor.media_type = string_member(object, "mediaType", kind);
  descriptor.digest = string_member(object, "digest", kind);
  if (!Digest::is_valid(descriptor.digest)) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: invalid digest \"{}\"", kind, descriptor.digest);
  }
  auto size = object.find("size");
  if (size == object.end() || !size->is_number_integer() || size->get<std::int64_t>() < 0) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: descriptor {} has no valid size", kind,
         descriptor.digest);
  }
  descriptor.size = size->get<std::int64_t>();
  if (auto platform = object.find("platform"); platform != object.end()) {
    descriptor.platform = parse_platform_object(*platform, kind);
  }
  if (auto annotations = object.find("annotations"); annotations != object.end()) {
    if (!annotations->is_object())
      fail(ErrorCode::kInvalidArgument, "invalid {}: \"annotations\" is not an object", kind);
    for (const auto& [key, value] : annotations->items()) {
      if (value.is_string()) descriptor.annotations[key] = value.get<std::string>();
    }
  }
  return descriptor;
}

std::vector<Descriptor> parse_descriptor_array(const json& document, const char* key,
                                               std::string_view kind) {
  auto it = document.find(key);
  if (it == document.end() || !it->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"{}\" is missing or not an array", kind, key);
  }
  std::vector<Descriptor> out;
  for (const json& item : *it) out.push_back(parse_descriptor(item, kind));
  return out;
}

void reject_schema1(std::string_view media_type) {
  if (media_type == media_type::kDockerSchema1 || media_type == media_type::kDockerSchema1Signed) {
    fail(ErrorCode::kInvalidArgument,
         "unsupported manifest type \"{}\": Docker schema 1 images are obsolete; push the image "
         "again with a current client",
         media_type);
  }
}

std::string resolve_media_type(const json& document, std::string_view content_type) {
  if (is_manifest_media_type(content_type) || is_index_media_type(content_type)) {
    return std::string(content_type);
  }
  reject_schema1(content_type);
  auto field = document.find("mediaType");
  if (field != document.end() && field->is_string()) return field->get<std::string>();
  if (document.contains("manifests")) return std::string(media_type::kOciIndex);
  if (document.contains("layers")) return std::string(media_type::kOciManifest);
  if (document.contains("fsLayers")) return std::string(media_type::kDockerSchema1);
  fail(ErrorCode::kInvalidArgument,
       "unknown manifest type: content type \"{}\" and the body has no mediaType, manifests or "
       "layers",
       content_type);
}

}  // namespace

std::string manifest_accept_header() {
  return fmt::format("{}, {}, {}, {}", media_type::kOciIndex, media_type::kDockerManifestList,
                     media_type::kOciManifest, media_type::kDockerManifest);
}

Compression layer_compression(std::string_view layer_media_type) {
  if (layer_media_type == media_type::kOciLayerGzip ||
      layer_media_type == media_type::kDockerLayerGzip ||
      layer_media_type == media_type::kOciLayerNondistributableGzip ||
      layer_media_type == media_type::kDockerForeignLayerGzip) {
    return Compression::kGzip;
  }
  if (layer_media_type == media_type::kOciLayerZstd) return Compression::kZstd;
  if (layer_media_type == media_type::kOciLayer) return Compression::kNone;
  fail(ErrorCode::kInvalidArgument, "unsupported layer media type \"{}\"", layer_media_type);
}

bool is_index_media_type(std::string_view media_type) {
  return media_type == media_type::kOciIndex || media_type == media_type::kDockerManifestList;
}

bool is_manifest_media_type(std::string_view media_type) {
  return media_type == media_type::kOciManifest || media_type == media_type::kDockerManifest;
}

std::string detect_manifest_media_type(std::string_view body, std::string_view content_type) {
  std::string type = resolve_media_type(parse_json(body, "manifest"), content_type);
  reject_schema1(type);
  return type;
}

Manifest parse_manifest(std::string_view body, std::string_view media_type) {
  json document = parse_json(body, "manifest");
  Manifest manifest;
  manifest.media_type = resolve_media_type(document, media_type);
  reject_schema1(manifest.media_type);
  if (is_index_media_type(manifest.media_type)) {
    fail(ErrorCode::kInvalidArgument, "expected an image manifest, got an index of type \"{}\"",
         manifest.media_type);
  }
  auto config = document.find("config");
  if (config == document.end())
    fail(ErrorCode::kInvalidArgument, "invalid manifest: \"config\" is missing");
  manifest.config = parse_descriptor(*config, "manifest");
  manifest.layers = parse_descriptor_array(document, "layers", "manifest");
  return manifest;
}

Index parse_index(std::string_view body, std::string_view media_type) {
  json document = parse_json(body, "index");
  Index index;
  index.media_type = resolve_media_type(document, media_type);
  reject_schema1(index.media_type);
  if (!is_index_media_type(index.media_type)) {
    fail(ErrorCode::kInvalidArgument, "expected an index, got a manifest of type \"{}\"",
         index.media_type);
  }
  index.manifests = parse_descriptor_array(document, "manifests", "index");
  return index;
}

const Descriptor& select_platform(const Index& index, const Platform& requested) {
  const Descriptor* best = nullptr;
  int best_rank = 0;
  std::vector<std::string> available;
  for (const Descriptor& entry : index.manifests) {
    if (!entry.platform) continue;
    if (entry.platform->os == "unknown" && entry.platform->architecture == "unknown") continue;
    available.push_back(entry.platform->str());
    std::optional<int> rank = platform_match_rank(*entry.platform, requested);
    if (rank && (best == nullptr || *rank < best_rank)) {
      best = &entry;
      best_rank = *rank;
    }
  }
  if (best == nullptr) {
    fail(ErrorCode::kNotFound,
         "no image in the manifest list matches platform {} (available: {}); choose one with "
         "--platform",
         requested.str(),
         available.empty() ? "none" : fmt::format("{}", fmt::join(available, ", ")));
  }
  return *best;
}

}  // namespace berth::image
