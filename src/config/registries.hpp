#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::config {

// The resolution policy for a short name without an alias when several
// search registries are configured (short-name-mode in registries.conf).
enum class ShortNameMode {
  kEnforcing,   // ask on a terminal, else fail
  kPermissive,  // ask on a terminal, else try every search registry in order
  kDisabled,    // try every search registry in order
};

// The kinds of pull that use a mirror (pull-from-mirror of a [[registry.mirror]]).
enum class PullFromMirror { kAll, kDigestOnly, kTagOnly };

// The file locations RegistriesConfig::load() reads. default_for_process()
// fills them the way Podman does.
struct RegistriesPaths {
  // The main file: $CONTAINERS_REGISTRIES_CONF when set, else
  // $HOME/.config/containers/registries.conf when it exists, else
  // /etc/containers/registries.conf.
  std::string main_file;
  // Whether main_file must exist: true when the user named it in
  // $CONTAINERS_REGISTRIES_CONF, so that a typo in that path is an error.
  bool main_file_required = false;
  // Drop-in directories, read in this order. The system one
  // (/etc/containers/registries.conf.d) is left out when the user's own
  // registries.conf is the main file.
  std::vector<std::string> drop_in_dirs;
  // The short-name alias cache: aliases recorded by an earlier interactive
  // short-name choice, which override the aliases of every registries.conf
  // file. It is $BERTH_SHORT_NAME_ALIAS_CACHE when set (Podman has no such
  // variable), else /var/cache/containers/short-name-aliases.conf for root
  // and $HOME/.cache/containers/short-name-aliases.conf for other users,
  // and "" when there is none.
  std::string alias_cache;

  static RegistriesPaths default_for_process();
};

// registries.conf (version 2 format) as Podman reads it: the short-name
// search list and mode, per-registry settings with mirrors, and short-name
// aliases.
struct RegistriesConfig {
  // One [[registry.mirror]] table.
  struct Mirror {
    std::string location;  // "host[:port][/namespace...]"
    bool insecure = false;
    PullFromMirror pull_from_mirror = PullFromMirror::kAll;
  };

  // One [[registry]] table.
  struct Registry {
    std::string prefix;  // "example.com", "example.com/team" or "*.example.com"
    // The registry and path that serve the prefix; equals prefix when unset.
    // Empty only for a wildcard prefix, which keeps the reference unchanged.
    std::string location;
    bool insecure = false;  // allow plain HTTP and unverified TLS
    bool blocked = false;   // pulls and pushes of matching names are rejected
    bool mirror_by_digest_only = false;
    std::vector<Mirror> mirrors;  // tried in this order before location
  };

  // A place to pull a reference from: a mirror or the primary location.
  struct PullSource {
    std::string reference;  // the rewritten reference, "host[:port]/repo[:tag][@digest]"
    bool insecure = false;
    bool mirror = false;
  };

  std::vector<std::string> unqualified_search_registries;
  // True when a file set unqualified-search-registries, even to [], so that
  // a drop-in can clear the list.
  bool search_registries_set = false;
  // The file that set unqualified_search_registries, for messages.
  std::string search_registries_source;
  std::optional<ShortNameMode> short_name_mode;  // nullopt: unset
  std::vector<Registry> registries;
  // [aliases] table: short name ("busybox") -> qualified name without tag.
  std::map<std::string, std::string> aliases;
  // The file each alias came from, for messages.
  std::map<std::string, std::string> alias_sources;
  // RegistriesPaths::alias_cache of the load() that made this config (the
  // file may not exist yet), where a new interactive choice is recorded.
  std::string alias_cache_path;

  // Loads the files of RegistriesPaths::default_for_process().
  static RegistriesConfig load();

  // Loads paths.main_file, then merges the *.conf files of each drop-in
  // directory in file name order, then the aliases of paths.alias_cache.
  // Missing files and directories are skipped. Throws
  // Error{kInvalidArgument} naming the file for invalid TOML, a field of the
  // wrong type or an invalid value.
  static RegistriesConfig load(const RegistriesPaths& paths);

  // Parses and checks one file's text; source_name appears in error
  // messages and in alias_sources.
  static RegistriesConfig parse(std::string_view toml_text, std::string_view source_name);

  // Merges a later drop-in file into this one as Podman does: a set
  // unqualified-search-registries replaces the list, a set short-name-mode
  // replaces the mode, a [[registry]] with the same prefix replaces the
  // earlier one, and aliases are added or replaced (an empty target erases
  // the alias).
  void merge(const RegistriesConfig& later);

  // Returns short_name_mode, or kPermissive when no file set it.
  ShortNameMode effective_short_name_mode() const;

  // Returns the [[registry]] entry whose prefix matches reference
  // ("host[:port]", "host[:port]/repository" or a full reference with tag
  // or digest) with the longest prefix, or nullptr. A prefix matches at a
  // path, tag or digest boundary; "*.example.com" matches any host under
  // example.com.
  const Registry* find(std::string_view reference) const;

  // Returns where to pull a qualified reference from, in order: the
  // mirrors of its [[registry]] entry that apply (pull-from-mirror and
  // mirror-by-digest-only decide by whether reference has a digest), then
  // the primary location. The matched prefix is replaced by each location.
  // Without a matching entry, returns the reference itself.
  std::vector<PullSource> pull_sources(std::string_view reference) const;

  // Returns the alias target for a short name, or nullopt.
  std::optional<std::string> find_alias(std::string_view short_name) const;
};

}  // namespace berth::config
