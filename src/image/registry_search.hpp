#pragma once

// Parsing of the registry responses that `berth search` reads: Docker's v1
// search endpoint, the v2 catalog and tag lists, and their Link pagination.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::image {

// One repository found by a registry search. Catalog results carry only the
// name.
struct RegistrySearchResult {
  std::string name;  // repository, as the registry sends it ("library/busybox")
  std::string description;
  std::int64_t stars = 0;
  bool official = false;
  bool automated = false;
};

// Parses a /v1/search response, Docker Hub's shape:
// {"num_results": N, "results": [{"name", "description", "star_count",
// "is_official", "is_automated"}]}. Missing members take their zero value.
// Throws Error{kUnavailable} when the body is not JSON or "results" is not an
// array of objects with a string "name".
std::vector<RegistrySearchResult> parse_v1_search(std::string_view body);

// Returns the "repositories" of a /v2/_catalog page. Throws
// Error{kUnavailable} when the body is not such a JSON object.
std::vector<std::string> parse_catalog_page(std::string_view body);

// Returns the "tags" of a /v2/<name>/tags/list page; a null "tags" (a
// repository without tags) gives an empty list. Throws Error{kUnavailable}
// when the body is not such a JSON object.
std::vector<std::string> parse_tags_page(std::string_view body);

// Returns the target of a Link header's rel="next" entry, such as
// "/v2/_catalog?last=b&n=100" from `</v2/_catalog?last=b&n=100>; rel="next"`,
// or nullopt when there is none. The target may be a path or an absolute URL.
std::optional<std::string> next_page_link(std::string_view link_header);

}  // namespace berth::image
