#include "image/manifest_list.hpp"

#include <algorithm>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "image/manifest.hpp"

namespace berth::image {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kKind = "manifest list";

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"{}\" is not a string", kKind, key);
  }
  return it->get<std::string>();
}

std::vector<std::string> string_array_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"{}\" is not an array", kKind, key);
  }
  std::vector<std::string> values;
  for (const auto& item : *it) {
    if (!item.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid {}: \"{}\" contains a value that is not a string", kKind, key);
    }
    values.push_back(item.get<std::string>());
  }
  return values;
}

std::map<std::string, std::string> annotations_field(const json& object) {
  std::map<std::string, std::string> annotations;
  auto it = object.find("annotations");
  if (it == object.end() || it->is_null()) return annotations;
  if (!it->is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"annotations\" is not an object", kKind);
  }
  for (const auto& [key, value] : it->items()) {
    if (value.is_string()) annotations[key] = value.get<std::string>();
  }
  return annotations;
}

ListPlatform parse_list_platform(const json& object) {
  if (!object.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"platform\" is not an object", kKind);
  }
  ListPlatform platform;
  platform.architecture = string_field(object, "architecture");
  platform.os = string_field(object, "os");
  platform.os_version = string_field(object, "os.version");
  platform.os_features = string_array_field(object, "os.features");
  platform.variant = string_field(object, "variant");
  platform.features = string_array_field(object, "features");
  return platform;
}

ListEntry parse_list_entry(const json& object) {
  if (!object.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: an entry is not an object", kKind);
  }
  ListEntry entry;
  entry.media_type = string_field(object, "mediaType");
  entry.digest = string_field(object, "digest");
  if (!Digest::is_valid(entry.digest)) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: invalid digest \"{}\"", kKind, entry.digest);
  }
  auto size = object.find("size");
  if (size == object.end() || !size->is_number_integer() || size->get<std::int64_t>() < 0) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: entry {} has no valid size", kKind,
         entry.digest);
  }
  entry.size = size->get<std::int64_t>();
  entry.urls = string_array_field(object, "urls");
  if (auto platform = object.find("platform"); platform != object.end() && !platform->is_null()) {
    entry.platform = parse_list_platform(*platform);
  }
  entry.annotations = annotations_field(object);
  return entry;
}

ordered_json platform_json(const ListPlatform& platform, bool docker) {
  ordered_json out;
  out["architecture"] = platform.architecture;
  out["os"] = platform.os;
  if (!platform.os_version.empty()) out["os.version"] = platform.os_version;
  if (!platform.os_features.empty()) out["os.features"] = platform.os_features;
  if (!platform.variant.empty()) out["variant"] = platform.variant;
  if (docker && !platform.features.empty()) out["features"] = platform.features;
  return out;
}

// Field order follows the Go structs that Podman and the registries use,
// so a serialized list reads like theirs.
ordered_json oci_entry_json(const ListEntry& entry) {
  ordered_json out;
  out["mediaType"] = entry.media_type;
  out["digest"] = entry.digest;
  out["size"] = entry.size;
  if (!entry.urls.empty()) out["urls"] = entry.urls;
  if (!entry.annotations.empty()) out["annotations"] = entry.annotations;
  if (entry.platform) out["platform"] = platform_json(*entry.platform, false);
  return out;
}

ordered_json docker_entry_json(const ListEntry& entry) {
  ordered_json out;
  out["mediaType"] = entry.media_type;
  out["size"] = entry.size;
  out["digest"] = entry.digest;
  if (!entry.urls.empty()) out["urls"] = entry.urls;
  out["platform"] = platform_json(entry.platform.value_or(ListPlatform{}), true);
  return out;
}

}  // namespace

ManifestList parse_manifest_list(std::string_view body, std::string_view media_type) {
  std::string type = detect_manifest_media_type(body, media_type);
  if (!is_index_media_type(type)) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: media type \"{}\" is not a list type", kKind,
         type);
  }
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto manifests = document.find("manifests");
  if (manifests == document.end() || !(manifests->is_array() || manifests->is_null())) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: \"manifests\" is missing or not an array",
         kKind);
  }
  ManifestList list;
  if (manifests->is_array()) {
    for (const auto& item : *manifests) list.manifests.push_back(parse_list_entry(item));
  }
  list.annotations = annotations_field(document);
  return list;
}

std::string serialize_manifest_list(const ManifestList& list, std::string_view media_type) {
  bool docker = media_type == media_type::kDockerManifestList;
  if (!docker && media_type != media_type::kOciIndex) {
    fail(ErrorCode::kInvalidArgument, "cannot write a manifest list as media type \"{}\"",
         media_type);
  }
  ordered_json out;
  out["schemaVersion"] = 2;
  out["mediaType"] = media_type;
  out["manifests"] = ordered_json::array();
  for (const auto& entry : list.manifests) {
    out["manifests"].push_back(docker ? docker_entry_json(entry) : oci_entry_json(entry));
  }
  if (!docker && !list.annotations.empty()) out["annotations"] = list.annotations;
  return out.dump();
}

ordered_json manifest_list_inspect_json(const ManifestList& list) {
  ordered_json out;
  out["schemaVersion"] = 2;
  out["mediaType"] = media_type::kDockerManifestList;
  // Podman prints null for a list without entries.
  out["manifests"] = nullptr;
  for (const auto& entry : list.manifests) {
    auto item = docker_entry_json(entry);
    if (!entry.annotations.empty()) item["annotations"] = entry.annotations;
    out["manifests"].push_back(std::move(item));
  }
  if (!list.annotations.empty()) out["annotations"] = list.annotations;
  return out;
}

void add_list_entry(ManifestList& list, ListEntry entry) {
  auto same = std::find_if(list.manifests.begin(), list.manifests.end(),
                           [&](const ListEntry& e) { return e.digest == entry.digest; });
  if (same != list.manifests.end()) {
    *same = std::move(entry);
  } else {
    list.manifests.push_back(std::move(entry));
  }
}

ListEntry& find_list_entry(ManifestList& list, std::string_view digest) {
  for (auto& entry : list.manifests) {
    if (entry.digest == digest) return entry;
  }
  fail(ErrorCode::kNotFound,
       "no image with digest {} in the manifest list: see `berth manifest inspect` for the "
       "digests it has",
       digest);
}

void remove_list_entry(ManifestList& list, std::string_view digest) {
  auto& entry = find_list_entry(list, digest);
  list.manifests.erase(list.manifests.begin() + (&entry - list.manifests.data()));
}

void apply_entry_overrides(ListEntry& entry, const EntryOverrides& overrides) {
  bool platform_changes = overrides.architecture || overrides.os || overrides.variant ||
                          overrides.os_version || overrides.os_features || overrides.features;
  if (platform_changes && !entry.platform) entry.platform = ListPlatform{};
  if (entry.platform) {
    auto& platform = *entry.platform;
    if (overrides.architecture) platform.architecture = *overrides.architecture;
    if (overrides.os) platform.os = *overrides.os;
    if (overrides.variant) platform.variant = *overrides.variant;
    if (overrides.os_version) platform.os_version = *overrides.os_version;
    if (overrides.os_features) platform.os_features = *overrides.os_features;
    if (overrides.features) platform.features = *overrides.features;
  }
  for (const auto& [key, value] : overrides.annotations) entry.annotations[key] = value;
}

std::map<std::string, std::string> parse_annotations(const std::vector<std::string>& values) {
  std::map<std::string, std::string> annotations;
  for (const auto& value : values) {
    auto equals = value.find('=');
    if (equals == std::string::npos || equals == 0) {
      fail(ErrorCode::kInvalidArgument,
           "invalid annotation \"{}\": use KEY=VALUE with a non-empty key", value);
    }
    annotations[value.substr(0, equals)] = value.substr(equals + 1);
  }
  return annotations;
}

ListPlatform platform_from_config(std::string_view config) {
  json document = json::parse(config, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid image config: the body is not a JSON object");
  }
  ListPlatform platform;
  platform.architecture = string_field(document, "architecture");
  platform.os = string_field(document, "os");
  platform.variant = string_field(document, "variant");
  platform.os_version = string_field(document, "os.version");
  platform.os_features = string_array_field(document, "os.features");
  return platform;
}

}  // namespace berth::image
