// Searching registries and listing a repository's tags, for `berth search`.

#include "engine/search.hpp"

#include <charconv>

#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/local_engine.hpp"
#include "engine/registry_access.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"

namespace berth::engine {

namespace {

bool parse_filter_bool(const std::string& filter, std::string_view value) {
  if (value.empty() || value == "true") return true;
  if (value == "false") return false;
  fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": the value must be true or false",
       filter);
}

std::int64_t parse_filter_stars(const std::string& filter, std::string_view value) {
  std::int64_t stars = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), stars);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || stars < 0) {
    fail(ErrorCode::kInvalidArgument,
         "invalid filter \"{}\": stars needs a number of 0 or more, as in stars=3", filter);
  }
  return stars;
}

// Docker Hub serves search from its index host, not from registry-1.
// NOTE: untested here, since the tests reach no host but 127.0.0.1.
std::string search_host(const std::string& registry) {
  return registry == "docker.io" ? "index.docker.io" : registry;
}

// Throws Error{kInvalidArgument} unless term (without its registry) is a
// repository name without tag or digest, as --list-tags requires.
void check_tags_term(const std::string& term) {
  if (term.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "--list-tags needs an image name such as REGISTRY/busybox, not just a registry");
  }
  if (term.find('@') != std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --list-tags term \"{}\": remove the digest, tags are listed per repository",
         term);
  }
  if (term.find(':', term.rfind('/') + 1) != std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --list-tags term \"{}\": remove the tag, tags are listed per repository", term);
  }
}

}  // namespace

SearchFilter parse_search_filters(const std::vector<std::string>& filters) {
  SearchFilter filter;
  for (const std::string& text : filters) {
    std::size_t equals = text.find('=');
    std::string name = text.substr(0, equals);
    std::string_view value = equals == std::string::npos
                                 ? std::string_view()
                                 : std::string_view(text).substr(equals + 1);
    if (name == "stars") {
      filter.min_stars = parse_filter_stars(text, value);
    } else if (name == "is-official") {
      filter.official = parse_filter_bool(text, value);
    } else if (name == "is-automated") {
      filter.automated = parse_filter_bool(text, value);
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid filter \"{}\": use stars=N, is-official[=BOOL] or is-automated[=BOOL]", text);
    }
  }
  return filter;
}

bool search_filter_empty(const SearchFilter& filter) {
  return !filter.min_stars && !filter.official && !filter.automated;
}

bool search_filter_matches(const SearchFilter& filter, const image::RegistrySearchResult& result) {
  if (filter.min_stars && result.stars < *filter.min_stars) return false;
  if (filter.official && result.official != *filter.official) return false;
  if (filter.automated && result.automated != *filter.automated) return false;
  return true;
}

std::string search_description(std::string_view description, bool no_trunc) {
  std::string text(description);
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  if (no_trunc || text.size() <= kSearchDescriptionLength) return text;
  std::size_t cut = kSearchDescriptionLength;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

SearchTerm split_search_term(std::string_view term) {
  SearchTerm split;
  std::size_t slash = term.find('/');
  if (slash == std::string_view::npos) {
    split.term = std::string(term);
  } else {
    split.registry = std::string(term.substr(0, slash));
    split.term = std::string(term.substr(slash + 1));
  }
  return split;
}

std::string search_result_name(const std::string& registry, const std::string& repository) {
  if (registry == "docker.io" && repository.find('/') == std::string::npos) {
    return "docker.io/library/" + repository;
  }
  return registry + "/" + repository;
}

namespace {

// Returns the client options for a search of name: those of pull, but
// without retries, since Podman's search has no --retry and fails at once.
image::RegistryOptions search_options(const RegistryAccess& access, const std::string& name,
                                      const config::RegistriesConfig& registries) {
  image::RegistryOptions options = registry_options(access, name, registries);
  options.retry.max_retries = 0;
  return options;
}

std::vector<SearchResult> search_registry(const std::string& registry, const std::string& term,
                                          const SearchRequest& request, int limit,
                                          const config::RegistriesConfig& registries) {
  std::string query = term;
  // Docker Hub finds library/foo only when asked for foo, as Docker's
  // client also strips the prefix.
  if (registry == "docker.io" && query.starts_with("library/")) query.erase(0, 8);
  image::RegistryClient client(search_host(registry),
                               search_options(request.access, registry, registries));
  std::vector<image::RegistrySearchResult> found = client.search(query, limit);
  if (found.size() > static_cast<std::size_t>(limit)) found.resize(limit);

  std::vector<SearchResult> results;
  for (const auto& entry : found) {
    // Podman cuts each registry's results to the limit before filtering.
    if (!search_filter_matches(request.filter, entry)) continue;
    SearchResult result;
    result.index = registry;
    result.name = search_result_name(registry, entry.name);
    result.description = search_description(entry.description, request.no_trunc);
    result.stars = entry.stars;
    result.official = entry.official;
    result.automated = entry.automated;
    results.push_back(std::move(result));
  }
  return results;
}

std::vector<SearchResult> list_registry_tags(const std::string& registry, const std::string& term,
                                             const SearchRequest& request, int limit,
                                             const config::RegistriesConfig& registries) {
  // parse_reference adds "library/" for docker.io and rejects invalid names.
  image::Reference ref = image::parse_reference(registry + "/" + term).ref;
  image::RegistryClient client(ref.registry,
                               search_options(request.access, ref.name(), registries));
  std::vector<std::string> tags = client.list_tags(ref.repository);
  if (tags.size() > static_cast<std::size_t>(limit)) tags.resize(limit);
  std::vector<SearchResult> results;
  for (std::string& tag : tags) {
    SearchResult result;
    result.index = registry;
    result.name = ref.name();
    result.tag = std::move(tag);
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace

std::vector<SearchResult> LocalEngine::search(const SearchRequest& request) {
  if (request.limit < 0) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --limit {}: use a positive number, or 0 for the default of 25", request.limit);
  }
  if (request.list_tags && !search_filter_empty(request.filter)) {
    fail(ErrorCode::kInvalidArgument,
         "--filter does not apply to --list-tags results: drop one of them");
  }
  check_registry_access(request.access);
  SearchTerm split = split_search_term(request.term);
  if (request.list_tags) check_tags_term(split.term);
  std::vector<std::string> targets;
  if (split.registry) {
    targets.push_back(*split.registry);
  } else {
    targets = registries().unqualified_search_registries;
  }
  if (targets.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "no registry to search for \"{}\": name one, as in REGISTRY/{}, or add "
         "unqualified-search-registries to registries.conf",
         split.term, split.term);
  }
  const int limit = request.limit > 0 ? request.limit : kDefaultSearchLimit;

  std::vector<SearchResult> results;
  std::vector<Error> errors;
  // NOTE: registries are searched one after another; Podman queries them
  // in parallel, which only matters when several are slow.
  for (const std::string& registry : targets) {
    try {
      std::vector<SearchResult> part =
          request.list_tags ? list_registry_tags(registry, split.term, request, limit, registries())
                            : search_registry(registry, split.term, request, limit, registries());
      results.insert(results.end(), std::make_move_iterator(part.begin()),
                     std::make_move_iterator(part.end()));
    } catch (const Error& e) {
      errors.push_back(e.with_context(fmt::format("searching registry \"{}\"", registry)));
    }
  }
  // As in Podman, results from one registry outweigh the failures of others.
  if (!results.empty() || errors.empty()) {
    for ([[maybe_unused]] const Error& e : errors) SPDLOG_DEBUG("skipped: {}", e.what());
    return results;
  }
  if (errors.size() == 1) throw errors.front();
  std::string message;
  for (const Error& e : errors) {
    if (!message.empty()) message += "; ";
    message += e.what();
  }
  throw Error(errors.front().code(), message);
}

}  // namespace berth::engine
