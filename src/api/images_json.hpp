#pragma once

// The JSON shapes of the image routes: list items of both APIs with their
// filters, history entries and remove reports.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace berth::api {

// One local image with what the list routes report beyond its summary.
struct ImageListItem {
  engine::ImageSummary summary;
  nlohmann::json labels = nlohmann::json::object();  // the config's Labels
  std::vector<std::string> layers;                    // diff IDs, base first
  std::int64_t containers = 0;                        // containers made from it
  std::string architecture;
  std::string os;
};

// The `filters` of GET images/json: reference (a glob as in Docker,
// matched against the full name and its shorter forms), dangling, label,
// label!, before, since, id and until. Values of one key match when any of
// them does (label and label! when all do); different keys must all match.
struct ImageListFilter {
  std::vector<std::string> references;
  std::optional<bool> dangling;
  std::vector<std::string> labels;          // KEY or KEY=VALUE
  std::vector<std::string> absent_labels;   // label!=KEY[=VALUE]
  std::vector<std::string> ids;             // ID prefixes
  std::optional<std::string> before;        // image name or ID
  std::optional<std::string> since;         // image name or ID
  std::optional<std::int64_t> until_ns;     // created before this time

  // Parses "key=value" strings (see parse_filters). Throws
  // Error{kInvalidArgument} naming an unknown key or an invalid value.
  static ImageListFilter parse(const std::vector<std::string>& filters);
};

// Returns whether Docker's reference filter pattern (a glob: "busybox",
// "*/busybox:1*") matches the stored name "registry/repository:tag". The
// pattern is tried against the full name, the name without its tag, and
// each shorter form without leading path components ("busybox:latest" for
// "127.0.0.1:5000/busybox:latest").
bool reference_filter_matches(const std::string& pattern, const std::string& name);

// Whether an image without names is an intermediate one: its layers are a
// strict prefix of another image's. Lists hide those unless `all` is set.
bool is_intermediate_image(const ImageListItem& item, const std::vector<ImageListItem>& all);

// Applies filter and `all` to items. The created times of before and since
// come from items; an unknown before or since image throws
// Error{kNotFound}. With reference filters each kept item keeps only the
// names that match, as Docker lists them.
std::vector<ImageListItem> filter_image_list(std::vector<ImageListItem> items,
                                             const ImageListFilter& filter, bool all);

// Docker's ImageSummary: "sha256:" IDs, "<none>:<none>" for an image
// without names, -1 for counts that Docker does not compute here.
nlohmann::ordered_json compat_image_summary(const ImageListItem& item);
// Podman's ImageSummary: bare IDs, Names, Digest, Dangling, Containers.
nlohmann::ordered_json libpod_image_summary(const ImageListItem& item);

// Builds Docker's image inspect object (API 1.41) from the libpod one that
// Engine::inspect_image returns. Config and ContainerConfig are full
// container configs built from the image's config. Podman's own fields
// (Digest, ManifestType, NamesHistory, User, Version, Labels, Annotations,
// History) are left out. docker-compose 1.29 reads ContainerConfig.Volumes
// when it recreates a container.
nlohmann::ordered_json compat_image_inspect(const nlohmann::json& libpod);

// The history entries both APIs return: Id ("sha256:" prefixed for Docker,
// bare for Podman, "<missing>" as it is), Created in Unix seconds,
// CreatedBy, Tags (null when none), Size and Comment.
nlohmann::ordered_json history_json(const std::vector<engine::ImageHistoryEntry>& history,
                                    bool libpod);

// Docker's DELETE /images/{name} report: [{"Untagged": name}, ...,
// {"Deleted": "sha256:id"}].
nlohmann::ordered_json compat_remove_report(const engine::ImageRemoveReport& report);

// Docker's search results ({"name", "description", "star_count",
// "is_official", "is_automated"}) or, with libpod, Podman's ({"Index",
// "Name", "Description", "Stars", "Official", "Automated", "Tag"}).
nlohmann::ordered_json search_json(const std::vector<engine::SearchResult>& results, bool libpod);

}  // namespace berth::api
