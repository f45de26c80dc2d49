// Registry search for `berth search`: Docker's v1 search endpoint, with the
// v2 catalog as the fallback, and tag lists.

#include "image/registry_search.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"
#include "image/registry_client.hpp"
#include "image/registry_errors.hpp"

namespace berth::image {

namespace {

// A registry that keeps sending "next" links is cut off here; at the usual
// 100 entries per page this is a million repositories or tags.
constexpr int kMaxPages = 10000;

nlohmann::json parse_object(std::string_view body, std::string_view response_kind) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    fail(ErrorCode::kUnavailable, "invalid {} response from the registry: not a JSON object",
         response_kind);
  }
  return doc;
}

// Returns the strings of doc[key]: an array of strings, null or absent.
std::vector<std::string> string_array(const nlohmann::json& doc, const char* key,
                                      std::string_view response_kind) {
  std::vector<std::string> values;
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return values;
  if (!it->is_array()) {
    fail(ErrorCode::kUnavailable, "invalid {} response from the registry: \"{}\" is not an array",
         response_kind, key);
  }
  for (const auto& value : *it) {
    if (!value.is_string()) {
      fail(ErrorCode::kUnavailable,
           "invalid {} response from the registry: \"{}\" holds a non-string entry", response_kind,
           key);
    }
    values.push_back(value.get<std::string>());
  }
  return values;
}

template <typename T>
T member_or(const nlohmann::json& object, const char* key, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(ErrorCode::kUnavailable, "invalid search response from the registry: \"{}\" has type {}",
         key, it->type_name());
  }
}

}  // namespace

std::vector<RegistrySearchResult> parse_v1_search(std::string_view body) {
  nlohmann::json doc = parse_object(body, "search");
  auto results = doc.find("results");
  if (results == doc.end() || !results->is_array()) {
    fail(ErrorCode::kUnavailable,
         "invalid search response from the registry: no \"results\" array");
  }
  std::vector<RegistrySearchResult> parsed;
  for (const auto& entry : *results) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
      fail(ErrorCode::kUnavailable,
           "invalid search response from the registry: a result has no \"name\" string");
    }
    RegistrySearchResult result;
    result.name = entry["name"].get<std::string>();
    result.description = member_or<std::string>(entry, "description", "");
    result.stars = member_or<std::int64_t>(entry, "star_count", 0);
    result.official = member_or<bool>(entry, "is_official", false);
    result.automated = member_or<bool>(entry, "is_automated", false);
    parsed.push_back(std::move(result));
  }
  return parsed;
}

std::vector<std::string> parse_catalog_page(std::string_view body) {
  return string_array(parse_object(body, "catalog"), "repositories", "catalog");
}

std::vector<std::string> parse_tags_page(std::string_view body) {
  return string_array(parse_object(body, "tag list"), "tags", "tag list");
}

std::optional<std::string> next_page_link(std::string_view link_header) {
  // Entries are separated by commas: <url>; rel="next", <url>; rel="prev".
  std::size_t pos = 0;
  while (pos < link_header.size()) {
    std::size_t open = link_header.find('<', pos);
    if (open == std::string_view::npos) return std::nullopt;
    std::size_t close = link_header.find('>', open);
    if (close == std::string_view::npos) return std::nullopt;
    std::size_t end = link_header.find('<', close);
    std::string_view params = link_header.substr(close + 1, end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos ||
        params.find("rel=next") != std::string_view::npos) {
      return std::string(link_header.substr(open + 1, close - open - 1));
    }
    pos = end;
  }
  return std::nullopt;
}

void RegistryClient::get_pages(const std::string& scope, std::string path, std::string_view subject,
                               const std::function<bool(const std::string& body)>& on_page) {
  for (int page = 0; page < kMaxPages; ++page) {
    HttpRequest request;
    request.url = path;
    HttpResponse response = send(scope, std::move(request));
    if (!response.ok()) fail_registry_response(response, subject);
    if (!on_page(response.body)) return;
    std::optional<std::string> next = next_page_link(response.header("link"));
    if (!next || *next == path) return;
    path = std::move(*next);
  }
  SPDLOG_DEBUG("{}: stopped after {} pages", subject, kMaxPages);
}

std::vector<RegistrySearchResult> RegistryClient::search(const std::string& term, int limit) {
  HttpRequest request;
  request.url = fmt::format("/v1/search?q={}&n={}", query_escape(term), limit);
  // The v1 search endpoint has no repository; a token without scope serves it.
  HttpResponse response = send("", std::move(request));
  if (response.ok()) {
    return with_context(fmt::format("searching registry {}", registry_),
                        [&] { return parse_v1_search(response.body); });
  }
  if (response.status != 404 && response.status != 405) {
    fail_registry_response(response, fmt::format("search on registry {}", registry_));
  }

  SPDLOG_DEBUG("registry {} has no /v1/search (HTTP {}), listing /v2/_catalog", registry_,
               response.status);
  std::vector<RegistrySearchResult> results;
  std::string subject = fmt::format("catalog of registry {}", registry_);
  get_pages("registry:catalog:*", "/v2/_catalog", subject, [&](const std::string& body) {
    std::vector<std::string> names =
        with_context(subject, [&] { return parse_catalog_page(body); });
    for (std::string& name : names) {
      if (name.find(term) == std::string::npos) continue;
      if (limit > 0 && static_cast<int>(results.size()) >= limit) return false;
      RegistrySearchResult result;
      result.name = std::move(name);
      results.push_back(std::move(result));
    }
    return limit <= 0 || static_cast<int>(results.size()) < limit;
  });
  return results;
}

std::vector<std::string> RegistryClient::list_tags(const std::string& repository) {
  std::vector<std::string> tags;
  std::string subject = fmt::format("tags of {}/{}", registry_, repository);
  get_pages("repository:" + repository + ":pull", "/v2/" + repository + "/tags/list", subject,
            [&](const std::string& body) {
              std::vector<std::string> page =
                  with_context(subject, [&] { return parse_tags_page(body); });
              tags.insert(tags.end(), page.begin(), page.end());
              return true;
            });
  return tags;
}

}  // namespace berth::image
