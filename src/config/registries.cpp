#include "config/registries.hpp"

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

RegistriesConfig::Registry parse_registry(const toml::table& table, std::string_view source) {
  RegistriesConfig::Registry registry;
  registry.prefix = string_field(table, "prefix", source);
  registry.location = string_field(table, "location", source);
  registry.insecure = bool_field(table, "insecure", source);
  registry.blocked = bool_field(table, "blocked", source);
  if (registry.prefix.empty()) registry.prefix = registry.location;
  if (registry.location.empty()) registry.location = registry.prefix;
  if (registry.prefix.empty()) {
    fail(ErrorCode::kInvalidArgument, "parsing {}: a [[registry]] table needs a prefix or location",
         source);
  }
  return registry;
}

// True when host matches a "*.example.com" wildcard prefix.
bool wildcard_matches(std::string_view pattern, std::string_view host) {
  std::string_view suffix = pattern.substr(1);  // ".example.com"
  return host.size() > suffix.size() && host.ends_with(suffix);
}

// True when prefix matches name at a path boundary.
bool prefix_matches(std::string_view prefix, std::string_view name) {
  if (prefix.starts_with("*.")) {
    return wildcard_matches(prefix, name.substr(0, name.find('/')));
  }
  if (!name.starts_with(prefix)) return false;
  if (name.size() == prefix.size()) return true;
  char next = name[prefix.size()];
  return next == '/' || next == ':' || next == '@';
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

std::string user_config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/containers";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.config/containers";
  }
  return {};
}

void merge_file(RegistriesConfig& config, const std::string& path) {
  std::optional<std::string> text = os::read_file_if_exists(path);
  if (!text) return;
  SPDLOG_DEBUG("loading registries configuration {}", path);
  config.merge(RegistriesConfig::parse(*text, path));
}

}  // namespace

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
  if (const toml::node* list = root.get("registry")) {
    const toml::array* tables = list->as_array();
    if (tables == nullptr) fail_field(source_name, "registry", "an array of tables");
    for (const toml::node& item : *tables) {
      const toml::table* table = item.as_table();
      if (table == nullptr) fail_field(source_name, "registry", "an array of tables");
      config.registries.push_back(parse_registry(*table, source_name));
    }
  }
  if (const toml::node* aliases = root.get("aliases")) {
    const toml::table* table = aliases->as_table();
    if (table == nullptr) fail_field(source_name, "aliases", "a table");
    for (const auto& [key, value] : *table) {
      auto target = value.value<std::string>();
      if (!target) fail_field(source_name, key.str(), "a string");
      config.aliases[std::string(key.str())] = *target;
    }
  }
  return config;
}

void RegistriesConfig::merge(const RegistriesConfig& later) {
  if (later.search_registries_set) {
    unqualified_search_registries = later.unqualified_search_registries;
    search_registries_set = true;
  }
  for (const Registry& registry : later.registries) {
    auto same_prefix = [&](const Registry& r) { return r.prefix == registry.prefix; };
    auto existing = std::find_if(registries.begin(), registries.end(), same_prefix);
    if (existing != registries.end()) {
      *existing = registry;
    } else {
      registries.push_back(registry);
    }
  }
  for (const auto& [name, target] : later.aliases) aliases[name] = target;
}

RegistriesConfig RegistriesConfig::load() {
  RegistriesConfig config;
  if (const char* path = std::getenv("CONTAINERS_REGISTRIES_CONF"); path != nullptr && *path) {
    merge_file(config, path);
    return config;
  }

  std::string user_dir = user_config_dir();
  std::string user_file = user_dir.empty() ? "" : user_dir + "/registries.conf";
  bool use_user_file = !user_file.empty() && os::path_exists(user_file);
  merge_file(config, use_user_file ? user_file : kSystemFile);

  for (const std::string& file : drop_in_files(kSystemDropInDir)) merge_file(config, file);
  if (!user_dir.empty()) {
    for (const std::string& file : drop_in_files(user_dir + "/registries.conf.d")) {
      merge_file(config, file);
    }
  }
  return config;
}

const RegistriesConfig::Registry* RegistriesConfig::find(std::string_view name) const {
  const Registry* best = nullptr;
  for (const Registry& registry : registries) {
    if (!prefix_matches(registry.prefix, name)) continue;
    if (best == nullptr || registry.prefix.size() > best->prefix.size()) best = &registry;
  }
  return best;
}

std::optional<std::string> RegistriesConfig::find_alias(std::string_view short_name) const {
  auto it = aliases.find(std::string(short_name));
  if (it == aliases.end()) return std::nullopt;
  return it->second;
}

}  // namespace berth::config
