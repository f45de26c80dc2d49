#pragma once

// Helpers of the image queries (image_query.cpp) that tests call directly.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::engine {

// Returns the IDs (hex) that Podman's storage gives a stack of layers pulled
// with these diff IDs, base first: the base layer's ID is its diff ID's hex,
// and each next one is the sha256 hex of "<previous ID>+<diff ID hex>". Like
// OCI chain IDs, they name a layer together with everything below it.
// Podman 4.3 shows them in `image tree`.
std::vector<std::string> storage_layer_ids(const std::vector<std::string>& diff_ids);

// Filters of `image prune --filter`. An image matches when it matches all.
struct ImagePruneFilters {
  struct Label {
    std::string key;
    std::optional<std::string> value;  // nullopt: any value
    bool negate = false;               // "label!=": the image must not match
  };
  std::optional<std::int64_t> until_ns;  // created before this time
  std::vector<Label> labels;
};

// Parses "until=TIMESTAMP|DURATION", "label=KEY[=VALUE]" and
// "label!=KEY[=VALUE]". Throws Error{kInvalidArgument} naming the filter
// for any other key, a missing "=", or a time that does not parse.
ImagePruneFilters parse_image_prune_filters(const std::vector<std::string>& filters);

// Returns whether an image created at created_ns with the config's Labels
// object (null when it has none) matches filters.
bool image_matches_prune_filters(const ImagePruneFilters& filters, std::int64_t created_ns,
                                 const nlohmann::json& labels);

}  // namespace berth::engine
