#include "image/reference.hpp"

#include <algorithm>

#include "common/digest.hpp"
#include "common/error.hpp"

namespace berth::image {

namespace {

constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool has_uppercase(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// One path component: lowercase alphanumeric runs joined by one '.', one or
// two '_', or any number of '-'.
bool is_valid_path_component(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_lower_alnum(s[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && !is_lower_alnum(s[i])) ++i;
    std::string_view separator = s.substr(start, i - start);
    bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (separator != "." && separator != "_" && separator != "__" && !dashes) return false;
  }
  return true;
}

bool is_valid_repository(std::string_view repository) {
  std::size_t start = 0;
  while (true) {
    std::size_t slash = repository.find('/', start);
    if (!is_valid_path_component(repository.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_valid_domain_label(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
  return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool is_valid_port(std::string_view port) {
  return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), is_digit);
}

// "host[:port]" with a DNS name, an IPv4 address or a bracketed IPv6 address.
bool is_valid_registry(std::string_view registry) {
  std::string_view host = registry;
  std::string_view port;
  if (registry.starts_with('[')) {
    std::size_t close = registry.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    std::string_view rest = registry.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !is_valid_port(rest.substr(1)))) return false;
    std::string_view address = registry.substr(1, close - 1);
    return std::all_of(address.begin(), address.end(),
                       [](char c) { return is_alnum(c) || c == ':' || c == '.'; });
  }
  if (std::size_t colon = registry.find(':'); colon != std::string_view::npos) {
    host = registry.substr(0, colon);
    port = registry.substr(colon + 1);
    if (!is_valid_port(port)) return false;
  }
  std::size_t start = 0;
  while (true) {
    std::size_t dot = host.find('.', start);
    if (!is_valid_domain_label(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) return false;
  if (!is_alnum(tag.front()) && tag.front() != '_') return false;
  return std::all_of(tag.begin(), tag.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

// True when the first path component names a registry rather than a
// repository namespace. Uppercase counts because repositories never have it.
bool looks_like_registry(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos || component == "localhost" ||
         has_uppercase(component);
}

[[noreturn]] void fail_reference(std::string_view text, std::string_view reason) {
  fail(ErrorCode::kInvalidArgument, "invalid reference \"{}\": {}", text, reason);
}

// Splits "name[:tag]" into name and tag; the tag colon comes after the last
// slash, so "host:5000/name" has no tag.
std::pair<std::string_view, std::string_view> split_tag(std::string_view name_and_tag) {
  std::size_t colon = name_and_tag.rfind(':');
  std::size_t slash = name_and_tag.rfind('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    return {name_and_tag, {}};
  }
  return {name_and_tag.substr(0, colon), name_and_tag.substr(colon + 1)};
}

void check_name(std::string_view text, std::string_view registry, std::string_view repository) {
  if (registry.size() + repository.size() + 1 > kMaxNameLength) {
    fail_reference(text, fmt::format("name is longer than {} characters", kMaxNameLength));
  }
  if (!registry.empty() && !is_valid_registry(registry)) {
    fail_reference(text, fmt::format("invalid registry \"{}\"", registry));
  }
  if (has_uppercase(repository)) fail_reference(text, "repository name must be lowercase");
  if (!is_valid_repository(repository)) {
    fail_reference(text, fmt::format("invalid repository name \"{}\"", repository));
  }
}

}  // namespace

std::string Reference::name() const {
  return registry.empty() ? repository : registry + "/" + repository;
}

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

ParsedReference parse_reference(std::string_view text) {
  if (text.empty()) fail(ErrorCode::kInvalidArgument, "invalid reference \"\": the name is empty");

  std::string_view name_and_tag = text;
  std::string_view digest;
  if (std::size_t at = text.find('@'); at != std::string_view::npos) {
    name_and_tag = text.substr(0, at);
    digest = text.substr(at + 1);
    if (!Digest::is_valid(digest)) {
      fail_reference(text, fmt::format("invalid digest \"{}\"", digest));
    }
  }
  auto [name, tag] = split_tag(name_and_tag);
  if (!tag.empty() || name.size() != name_and_tag.size()) {
    if (!is_valid_tag(tag)) fail_reference(text, fmt::format("invalid tag \"{}\"", tag));
  }

  ParsedReference parsed;
  std::string_view repository = name;
  std::size_t slash = name.find('/');
  if (slash != std::string_view::npos && looks_like_registry(name.substr(0, slash))) {
    parsed.qualified = true;
    parsed.ref.registry = std::string(name.substr(0, slash));
    repository = name.substr(slash + 1);
  }
  check_name(text, parsed.ref.registry, repository);

  if (parsed.ref.registry == "index.docker.io") parsed.ref.registry = "docker.io";
  parsed.ref.repository = std::string(repository);
  if (parsed.ref.registry == "docker.io" && repository.find('/') == std::string_view::npos) {
    parsed.ref.repository = "library/" + parsed.ref.repository;
  }
  parsed.ref.tag = std::string(tag);
  parsed.ref.digest = std::string(digest);
  if (tag.empty() && digest.empty()) parsed.ref.tag = "latest";
  return parsed;
}

std::vector<Reference> short_name_candidates(const ParsedReference& parsed,
                                             const config::RegistriesConfig& registries) {
  if (parsed.qualified) return {parsed.ref};

  if (std::optional<std::string> alias = registries.find_alias(parsed.ref.repository)) {
    ParsedReference target = with_context(
        fmt::format("resolving alias \"{}\" in registries.conf", parsed.ref.repository),
        [&] { return parse_reference(*alias); });
    if (!target.qualified) {
      fail(ErrorCode::kInvalidArgument,
           "alias \"{}\" in registries.conf must name a registry, but it is \"{}\"",
           parsed.ref.repository, *alias);
    }
    target.ref.tag = parsed.ref.tag;
    target.ref.digest = parsed.ref.digest;
    return {target.ref};
  }

  if (registries.unqualified_search_registries.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "short-name \"{}\" did not resolve to an alias and no unqualified-search-registries "
         "are defined in registries.conf; use a fully qualified name (registry/repository)",
         parsed.ref.str());
  }
  std::vector<Reference> candidates;
  for (const std::string& registry : registries.unqualified_search_registries) {
    Reference candidate = parsed.ref;
    candidate.registry = registry == "index.docker.io" ? "docker.io" : registry;
    bool single_component = candidate.repository.find('/') == std::string::npos;
    if (candidate.registry == "docker.io" && single_component) {
      candidate.repository = "library/" + candidate.repository;
    }
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

}  // namespace berth::image
