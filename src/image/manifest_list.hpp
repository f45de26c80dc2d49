#pragma once

// Editing manifest lists: OCI image indexes and Docker manifest lists as
// `berth manifest` builds them. Pure functions on parsed lists, so the
// engine only fetches, stores and pushes.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::image {

// The platform of a list entry with every field either format carries.
struct ListPlatform {
  std::string architecture;
  std::string os;
  std::string os_version;                // "os.version"
  std::vector<std::string> os_features;  // "os.features"
  std::string variant;
  std::vector<std::string> features;  // Docker lists only; OCI reserves it
};

// One entry of a list: the descriptor of an image manifest.
struct ListEntry {
  std::string media_type;
  std::string digest;
  std::int64_t size = 0;
  std::vector<std::string> urls;
  std::optional<ListPlatform> platform;
  std::map<std::string, std::string> annotations;  // OCI only
};

// A manifest list independent of its serialization.
struct ManifestList {
  std::vector<ListEntry> manifests;
  std::map<std::string, std::string> annotations;  // OCI only
};

// Parses an OCI index or Docker manifest list body (media_type may be empty
// or generic, see detect_manifest_media_type). Throws Error{kInvalidArgument}
// for a body that is not a list or has an invalid entry.
ManifestList parse_manifest_list(std::string_view body, std::string_view media_type);

// Serializes list as media_type, which must be the OCI index or the Docker
// manifest list type. A Docker list has no annotations, so they are left
// out; an OCI index has no platform features, so those are left out.
// Throws Error{kInvalidArgument} for any other media type.
std::string serialize_manifest_list(const ManifestList& list, std::string_view media_type);

// Returns the list as `manifest inspect` prints it, in Podman's layout: the
// Docker list fields, plus the OCI annotations of the index and its entries.
nlohmann::ordered_json manifest_list_inspect_json(const ManifestList& list);

// Adds entry to list. An entry with the same digest is replaced in place,
// so adding an image twice keeps one entry.
void add_list_entry(ManifestList& list, ListEntry entry);

// Removes the entry with digest. Throws Error{kNotFound} naming the digest
// when the list has none; the list is then unchanged.
void remove_list_entry(ManifestList& list, std::string_view digest);

// Returns the entry with digest. Throws Error{kNotFound} naming the digest
// when the list has none.
ListEntry& find_list_entry(ManifestList& list, std::string_view digest);

// The changes `manifest add` and `manifest annotate` apply to one entry.
// Unset fields keep the entry's value; annotations are merged in.
struct EntryOverrides {
  std::optional<std::string> architecture;
  std::optional<std::string> os;
  std::optional<std::string> variant;
  std::optional<std::string> os_version;
  std::optional<std::vector<std::string>> os_features;
  std::optional<std::vector<std::string>> features;
  std::map<std::string, std::string> annotations;
};

// Applies overrides to entry, creating its platform when one is set.
void apply_entry_overrides(ListEntry& entry, const EntryOverrides& overrides);

// Parses --annotation values "KEY=VALUE". Throws Error{kInvalidArgument}
// naming the value when it has no '=' or an empty key.
std::map<std::string, std::string> parse_annotations(const std::vector<std::string>& values);

// Returns the platform of an image from its config JSON (architecture, os,
// variant, os.version, os.features). Throws Error{kInvalidArgument} when the
// config is not a JSON object.
ListPlatform platform_from_config(std::string_view config);

}  // namespace berth::image
