#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::config {

// registries.conf (version 2 format) as Podman reads it: the short-name
// search list, per-registry settings and short-name aliases.
struct RegistriesConfig {
  // One [[registry]] table.
  struct Registry {
    std::string prefix;    // "example.com", "example.com/team" or "*.example.com"
    std::string location;  // where the prefix is served; equals prefix when unset
    bool insecure = false;  // allow plain HTTP and unverified TLS
    bool blocked = false;   // pulls from this prefix are rejected
  };

  std::vector<std::string> unqualified_search_registries;
  // True when the file set unqualified-search-registries, even to [], so
  // that a drop-in can clear the list.
  bool search_registries_set = false;
  std::vector<Registry> registries;
  // [aliases] table: short name ("busybox") -> qualified name without tag.
  std::map<std::string, std::string> aliases;

  // Loads $CONTAINERS_REGISTRIES_CONF when set (that file only). Otherwise
  // loads $XDG_CONFIG_HOME/containers/registries.conf (or
  // ~/.config/containers/registries.conf) when it exists, else
  // /etc/containers/registries.conf, then merges the *.conf drop-ins of
  // /etc/containers/registries.conf.d and the user's registries.conf.d in
  // name order. Missing files are skipped. Throws Error{kInvalidArgument}
  // naming the file for invalid TOML or a field of the wrong type.
  static RegistriesConfig load();

  // Parses one file's text; source_name appears in error messages.
  static RegistriesConfig parse(std::string_view toml_text, std::string_view source_name);

  // Merges a later drop-in file into this one as Podman does: a non-empty
  // unqualified-search-registries replaces the list, a [[registry]] with the
  // same prefix replaces the earlier one, aliases are added or replaced.
  void merge(const RegistriesConfig& later);

  // Returns the [[registry]] entry whose prefix matches name ("host[:port]"
  // or "host[:port]/repository") with the longest prefix, or nullptr. A
  // prefix matches at a path boundary; "*.example.com" matches any host
  // under example.com.
  const Registry* find(std::string_view name) const;

  // Returns the alias target for a short name, or nullopt.
  std::optional<std::string> find_alias(std::string_view short_name) const;
};

}  // namespace berth::config
