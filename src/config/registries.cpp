#include "config/registries.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <toml++/toml.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::config {

namespace {

constexpr const char* kSystemFile = "/etc/containers/registries.conf";
constexpr const char* kSystemDropInDir = "/etc/containers/registries.conf.d";
constexpr const char* kUserFile = "/.config/containers/registries.conf";
constexpr const char* kUserDropInDir = "/.config/containers/registries.conf.d";
constexpr const char* kRootAliasCache = "/var/cache/containers/short-name-aliases.conf";
constexpr const char* kUserAliasCache = "/.cache/containers/short-name-aliases.conf";

[[noreturn]] void fail_field(std::string_view source, std::string_view field,
                             std::string_view expected) {
  fail(ErrorCode::kInvalidArgument, "parsing {}: field \"{}\" must be {}", source, field,
       expected);
}

std::string string_field(const toml::table& table, std::string_view key,
                         std::string_view source) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  auto value = node->value<std::string>();
  if (!value) fail_field(source, key, "a string");
  return *value;
}

bool bool_field(const toml::table& table, std::string_view key, std::string_view source) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return false;
  auto value = node->value<bool>();
  if (!value) fail_field(source, key, "true or false");
  return *value;
}

std::vector<std::string> string_array(const toml::node& node, std::string_view key,
                                      std::string_view source) {
  const toml::array* array = node.as_array();
  if (array == nullptr) fail_field(source, key, "an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    auto value = item.value<std::string>();
    if (!value) fail_field(source, key, "an array of strings");
    out.push_back(*value);
  }
  return out;
}

// Returns the array of tables under key, or nullptr when the key is absent.
const toml::array* table_array(const toml::table& table, std::string_view key,
                               std::string_view source) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return nullptr;
  const toml::array* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    fail_field(source, key, "an array of tables");
  }
  return array;
}

std::string strip_trailing_slash(std::string location) {
  while (location.size() > 1 && location.back() == '/') location.pop_back();
  return location;
}

bool is_wildcard(std::string_view prefix) { return prefix.starts_with("*."); }

// The first path component of a reference: "host[:port]".
std::string_view host_of(std::string_view reference) {
  return reference.substr(0, reference.find('/'));
}

PullFromMirror parse_pull_from_mirror(std::string_view value, std::string_view mirror,
                                      std::string_view source) {
  if (value.empty() || value == "all") return PullFromMirror::kAll;
  if (value == "digest-only") return PullFromMirror::kDigestOnly;
  if (value == "tag-only") return PullFromMirror::kTagOnly;
  fail(ErrorCode::kInvalidArgument,
       "parsing {}: invalid pull-from-mirror \"{}\" for mirror \"{}\": use all, digest-only or "
       "tag-only",
       source, value, mirror);
}

RegistriesConfig::Mirror parse_mirror(const toml::table& table, const std::string& prefix,
                                      bool by_digest_only, std::string_view source) {
  RegistriesConfig::Mirror mirror;
  mirror.location = strip_trailing_slash(string_field(table, "location", source));
  mirror.insecure = bool_field(table, "insecure", source);
  if (mirror.location.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: a [[registry.mirror]] of prefix \"{}\" has no location", source, prefix);
  }
  std::string usage = string_field(table, "pull-from-mirror", source);
  if (!usage.empty() && by_digest_only) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: registry \"{}\" sets mirror-by-digest-only, so its mirror \"{}\" cannot "
         "set pull-from-mirror; remove one of them",
         source, prefix, mirror.location);
  }
  mirror.pull_from_mirror = parse_pull_from_mirror(usage, mirror.location, source);
  return mirror;
}

void check_prefix(const RegistriesConfig::Registry& registry, std::string_view source) {
  const std::string& prefix = registry.prefix;
  if (is_wildcard(prefix)) {
    if (prefix.find('/') != std::string::npos || prefix.find('*', 1) != std::string::npos ||
        prefix.size() == 2) {
      fail(ErrorCode::kInvalidArgument,
           "parsing {}: invalid wildcard prefix \"{}\": write it as *.example.com, without a "
           "path",
           source, prefix);
    }
    return;
  }
  if (prefix.find('*') != std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: invalid prefix \"{}\": a wildcard is allowed only as a leading \"*.\"",
         source, prefix);
  }
  if (registry.location.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: [[registry]] with prefix \"{}\" has no location; set location, or use a "
         "wildcard prefix such as *.example.com",
         source, prefix);
  }
}

RegistriesConfig::Registry parse_registry(const toml::table& table, std::string_view source) {
  RegistriesConfig::Registry registry;
  registry.prefix = string_field(table, "prefix", source);
  registry.location = strip_trailing_slash(string_field(table, "location", source));
  registry.insecure = bool_field(table, "insecure", source);
  registry.blocked = bool_field(table, "blocked", source);
  registry.mirror_by_digest_only = bool_field(table, "mirror-by-digest-only", source);
  if (registry.prefix.empty()) registry.prefix = registry.location;
  if (registry.prefix.empty()) {
    fail(ErrorCode::kInvalidArgument, "parsing {}: a [[registry]] table needs a prefix or location",
         source);
  }
  check_prefix(registry, source);
  if (const toml::array* mirrors = table_array(table, "mirror", source)) {
    for (const toml::node& item : *mirrors) {
      registry.mirrors.push_back(parse_mirror(*item.as_table(), registry.prefix,
                                              registry.mirror_by_digest_only, source));
    }
  }
  return registry;
}

// Rejects two [[registry]] tables of one file that share a location but
// disagree on insecure or blocked, as Podman does: the location's settings
// would depend on which prefix matched.
void check_location_conflicts(const std::vector<RegistriesConfig::Registry>& registries,
                              std::string_view source) {
  for (std::size_t i = 0; i < registries.size(); ++i) {
    for (std::size_t j = i + 1; j < registries.size(); ++j) {
      const auto& a = registries[i];
      const auto& b = registries[j];
      if (a.location.empty() || a.location != b.location) continue;
      std::string_view setting;
      if (a.insecure != b.insecure) setting = "insecure";
      if (a.blocked != b.blocked) setting = "blocked";
      if (setting.empty()) continue;
      fail(ErrorCode::kInvalidArgument,
           "parsing {}: registry \"{}\" is defined more than once with conflicting \"{}\" "
           "settings",
           source, a.location, setting);
    }
  }
}

std::optional<ShortNameMode> parse_short_name_mode(const toml::table& root,
                                                   std::string_view source) {
  std::string mode = string_field(root, "short-name-mode", source);
  if (mode.empty()) return std::nullopt;
  if (mode == "enforcing") return ShortNameMode::kEnforcing;
  if (mode == "permissive") return ShortNameMode::kPermissive;
  if (mode == "disabled") return ShortNameMode::kDisabled;
  fail(ErrorCode::kInvalidArgument,
       "parsing {}: invalid short-name-mode \"{}\": use enforcing, permissive or disabled", source,
       mode);
}

// True when the first component of a name is a registry host, with the
// same rule image references use: it contains '.' or ':' or is localhost.
bool names_registry(std::string_view name) {
  std::size_t slash = name.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view first = name.substr(0, slash);
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost";
}

// True when name carries a tag (a ':' after the last '/') or a digest.
bool has_tag_or_digest(std::string_view name) {
  if (name.find('@') != std::string_view::npos) return true;
  std::size_t slash = name.rfind('/');
  std::string_view last = slash == std::string_view::npos ? name : name.substr(slash + 1);
  return last.find(':') != std::string_view::npos;
}

void check_alias(std::string_view name, std::string_view target, std::string_view source) {
  if (names_registry(name) || name.starts_with("localhost/")) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: invalid alias name \"{}\": it must be a short name without a registry",
         source, name);
  }
  if (has_tag_or_digest(name)) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: invalid alias name \"{}\": it must not contain a tag or digest", source,
         name);
  }
  if (target.empty()) return;  // erases the alias of an earlier file
  if (!names_registry(target)) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: invalid alias \"{}\" = \"{}\": the target must name a registry and a "
         "repository",
         source, name, target);
  }
  if (has_tag_or_digest(target)) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: invalid alias \"{}\" = \"{}\": the target must not contain a tag or digest",
         source, name, target);
  }
}

// Converts the deprecated version 1 tables ([registries.search],
// [registries.insecure], [registries.block]) into the version 2 fields.
void parse_version1(const toml::table& v1, RegistriesConfig& config, std::string_view source) {
  auto list = [&](std::string_view table_name) -> std::vector<std::string> {
    const toml::table* table = v1[table_name].as_table();
    if (table == nullptr) return {};
    const toml::node* registries = table->get("registries");
    if (registries == nullptr) return {};
    return string_array(*registries, fmt::format("registries.{}.registries", table_name), source);
  };
  if (v1.contains("search")) {
    config.unqualified_search_registries = list("search");
    config.search_registries_set = true;
  }
  auto entry_for = [&](const std::string& location) -> RegistriesConfig::Registry& {
    for (auto& registry : config.registries) {
      if (registry.location == location) return registry;
    }
    RegistriesConfig::Registry& added = config.registries.emplace_back();
    added.prefix = location;
    added.location = location;
    return added;
  };
  for (const std::string& location : list("insecure")) entry_for(location).insecure = true;
  for (const std::string& location : list("block")) entry_for(location).blocked = true;
}

// Returns how many leading characters of reference a prefix matches, or 0.
// A plain prefix ends at a path, tag or digest boundary. A port is no
// boundary, so "example.com" does not match "example.com:5000/app". A
// wildcard prefix matches the whole host.
std::size_t match_length(std::string_view prefix, std::string_view reference) {
  if (is_wildcard(prefix)) {
    std::string_view host = host_of(reference);
    std::string_view suffix = prefix.substr(1);  // ".example.com"
    bool matches = host.size() > suffix.size() && host.ends_with(suffix);
    return matches ? host.size() : 0;
  }
  if (!reference.starts_with(prefix)) return 0;
  if (reference.size() == prefix.size()) return prefix.size();
  char next = reference[prefix.size()];
  bool prefix_has_path = prefix.find('/') != std::string_view::npos;
  if (next == '/' || next == '@' || (next == ':' && prefix_has_path)) return prefix.size();
  return 0;
}

std::vector<std::string> drop_in_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".conf" && entry.is_regular_file(ec)) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    return std::filesystem::path(a).filename() < std::filesystem::path(b).filename();
  });
  return files;
}

void merge_file(RegistriesConfig& config, const std::string& path) {
  if (path.empty()) return;
  std::optional<std::string> text = os::read_file_if_exists(path);
  if (!text) return;
  SPDLOG_DEBUG("loading registries configuration {}", path);
  config.merge(RegistriesConfig::parse(*text, path));
}

void merge_alias_cache(RegistriesConfig& config, const std::string& path) {
  if (path.empty()) return;
  std::optional<std::string> text = os::read_file_if_exists(path);
  if (!text) return;
  SPDLOG_DEBUG("loading short-name alias cache {}", path);
  RegistriesConfig cache = RegistriesConfig::parse(*text, path);
  RegistriesConfig aliases_only;
  aliases_only.aliases = std::move(cache.aliases);
  aliases_only.alias_sources = std::move(cache.alias_sources);
  config.merge(aliases_only);
}

}  // namespace

RegistriesPaths RegistriesPaths::default_for_process() {
  RegistriesPaths paths;
  const char* home_env = std::getenv("HOME");
  std::string home = home_env != nullptr ? home_env : "";
  std::string user_file = home.empty() ? "" : home + kUserFile;
  std::string user_dir = home.empty() ? "" : home + kUserDropInDir;

  const char* env_file = std::getenv("CONTAINERS_REGISTRIES_CONF");
  if (env_file != nullptr && *env_file != '\0') {
    paths.main_file = env_file;
    paths.main_file_required = true;
    paths.drop_in_dirs = {kSystemDropInDir};
  } else if (!user_file.empty() && os::path_exists(user_file)) {
    // The user's file replaces the system file and its drop-ins.
    paths.main_file = user_file;
  } else {
    paths.main_file = kSystemFile;
    paths.drop_in_dirs = {kSystemDropInDir};
  }
  if (!user_dir.empty()) paths.drop_in_dirs.push_back(user_dir);

  const char* env_cache = std::getenv("BERTH_SHORT_NAME_ALIAS_CACHE");
  if (env_cache != nullptr && *env_cache != '\0') {
    paths.alias_cache = env_cache;
  } else if (::geteuid() == 0) {
    paths.alias_cache = kRootAliasCache;
  } else if (!home.empty()) {
    paths.alias_cache = home + kUserAliasCache;
  }
  return paths;
}

RegistriesConfig RegistriesConfig::parse(std::string_view toml_text,
                                         std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    fail(ErrorCode::kInvalidArgument, "parsing {}: line {}: {}", source_name,
         e.source().begin.line, e.description());
  }

  RegistriesConfig config;
  if (const toml::node* search = root.get("unqualified-search-registries")) {
    config.unqualified_search_registries =
        string_array(*search, "unqualified-search-registries", source_name);
    config.search_registries_set = true;
  }
  config.short_name_mode = parse_short_name_mode(root, source_name);
  if (const toml::array* tables = table_array(root, "registry", source_name)) {
    for (const toml::node& item : *tables) {
      config.registries.push_back(parse_registry(*item.as_table(), source_name));
    }
  }
  if (const toml::node* v1 = root.get("registries")) {
    if (!v1->is_table()) fail_field(source_name, "registries", "a table");
    if (config.search_registries_set || !config.registries.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "parsing {}: the version 1 [registries.*] tables cannot be mixed with "
           "unqualified-search-registries or [[registry]] tables",
           source_name);
    }
    parse_version1(*v1->as_table(), config, source_name);
  }
  check_location_conflicts(config.registries, source_name);
  if (config.search_registries_set) config.search_registries_source = source_name;

  if (const toml::node* aliases = root.get("aliases")) {
    const toml::table* table = aliases->as_table();
    if (table == nullptr) fail_field(source_name, "aliases", "a table");
    for (const auto& [key, value] : *table) {
      auto target = value.value<std::string>();
      if (!target) fail_field(source_name, key.str(), "a string");
      check_alias(key.str(), *target, source_name);
      config.aliases[std::string(key.str())] = *target;
      config.alias_sources[std::string(key.str())] = std::string(source_name);
    }
  }
  return config;
}

void RegistriesConfig::merge(const RegistriesConfig& later) {
  if (later.search_registries_set) {
    unqualified_search_registries = later.unqualified_search_registries;
    search_registries_set = true;
    search_registries_source = later.search_registries_source;
  }
  if (later.short_name_mode) short_name_mode = later.short_name_mode;
  for (const Registry& registry : later.registries) {
    auto same_prefix = [&](const Registry& r) { return r.prefix == registry.prefix; };
    auto existing = std::find_if(registries.begin(), registries.end(), same_prefix);
    if (existing != registries.end()) {
      *existing = registry;
    } else {
      registries.push_back(registry);
    }
  }
  for (const auto& [name, target] : later.aliases) {
    if (target.empty()) {
      aliases.erase(name);
      alias_sources.erase(name);
      continue;
    }
    aliases[name] = target;
    auto source = later.alias_sources.find(name);
    alias_sources[name] = source == later.alias_sources.end() ? "" : source->second;
  }
}

RegistriesConfig RegistriesConfig::load() { return load(RegistriesPaths::default_for_process()); }

RegistriesConfig RegistriesConfig::load(const RegistriesPaths& paths) {
  RegistriesConfig config;
  if (paths.main_file_required && !os::path_exists(paths.main_file)) {
    fail(ErrorCode::kNotFound,
         "loading registries configuration \"{}\" (CONTAINERS_REGISTRIES_CONF): the file does "
         "not exist: fix the path or unset the variable",
         paths.main_file);
  }
  merge_file(config, paths.main_file);
  for (const std::string& dir : paths.drop_in_dirs) {
    for (const std::string& file : drop_in_files(dir)) merge_file(config, file);
  }
  merge_alias_cache(config, paths.alias_cache);
  config.alias_cache_path = paths.alias_cache;
  return config;
}

ShortNameMode RegistriesConfig::effective_short_name_mode() const {
  return short_name_mode.value_or(ShortNameMode::kPermissive);
}

const RegistriesConfig::Registry* RegistriesConfig::find(std::string_view reference) const {
  const Registry* best = nullptr;
  std::size_t best_length = 0;
  for (const Registry& registry : registries) {
    std::size_t length = match_length(registry.prefix, reference);
    if (length > best_length) {
      best = &registry;
      best_length = length;
    }
  }
  return best;
}

std::vector<RegistriesConfig::PullSource> RegistriesConfig::pull_sources(
    std::string_view reference) const {
  const Registry* entry = find(reference);
  if (entry == nullptr) return {PullSource{std::string(reference), false, false}};

  std::string_view rest = reference.substr(match_length(entry->prefix, reference));
  auto rewrite = [&](const std::string& location) {
    return location.empty() ? std::string(reference) : location + std::string(rest);
  };
  bool by_digest = reference.find('@') != std::string_view::npos;
  std::vector<PullSource> sources;
  for (const Mirror& mirror : entry->mirrors) {
    if (entry->mirror_by_digest_only && !by_digest) continue;
    if (mirror.pull_from_mirror == PullFromMirror::kDigestOnly && !by_digest) continue;
    if (mirror.pull_from_mirror == PullFromMirror::kTagOnly && by_digest) continue;
    sources.push_back(PullSource{rewrite(mirror.location), mirror.insecure, true});
  }
  sources.push_back(PullSource{rewrite(entry->location), entry->insecure, false});
  return sources;
}

std::optional<std::string> RegistriesConfig::find_alias(std::string_view short_name) const {
  auto it = aliases.find(std::string(short_name));
  if (it == aliases.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace berth::config
