#pragma once

// The parts of `search` that need no registry: filters, search terms,
// result names and description truncation.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "image/registry_search.hpp"

namespace berth::engine {

// Descriptions longer than this many bytes are cut (without --no-trunc),
// as Podman cuts them.
constexpr std::size_t kSearchDescriptionLength = 44;

// Results per registry when the request sets no limit, Podman's default.
constexpr int kDefaultSearchLimit = 25;

// Parses --filter values: "stars=N" (N >= 0), "is-official[=true|false]" and
// "is-automated[=true|false]", where a bare name means true. A later value
// of the same filter replaces an earlier one. Throws Error{kInvalidArgument}
// naming the value for an unknown filter or an invalid number or boolean.
SearchFilter parse_search_filters(const std::vector<std::string>& filters);

// Returns whether result passes every filter that is set.
bool search_filter_matches(const SearchFilter& filter, const image::RegistrySearchResult& result);

// Returns whether any filter is set.
bool search_filter_empty(const SearchFilter& filter);

// Returns description with newlines replaced by spaces and, unless no_trunc,
// cut to kSearchDescriptionLength bytes (at a UTF-8 character boundary) with
// "..." added when it was longer.
std::string search_description(std::string_view description, bool no_trunc);

// A search term split into the registry it names and the term proper.
struct SearchTerm {
  std::optional<std::string> registry;  // everything before the first "/"
  std::string term;                     // the rest, or the whole term
};

// Splits "[REGISTRY/]TERM" at its first "/", as Podman does: "a/b" names
// registry "a" even when "a" does not look like a host name.
SearchTerm split_search_term(std::string_view term);

// Returns the name Podman prints for repository found on registry:
// "registry/repository", with "library/" added for a single-component
// repository of docker.io.
std::string search_result_name(const std::string& registry, const std::string& repository);

}  // namespace berth::engine
