#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::config {

// A registry user name and password. The password is a secret: never log it.
struct Credentials {
  std::string username;
  std::string password;
};

// The environment that decides where auth files are, captured once so that
// tests can supply their own.
struct AuthEnvironment {
  std::string registry_auth_file;  // $REGISTRY_AUTH_FILE
  std::string xdg_runtime_dir;     // $XDG_RUNTIME_DIR
  std::string xdg_config_home;     // $XDG_CONFIG_HOME
  std::string docker_config;       // $DOCKER_CONFIG, a directory
  std::string home;                // $HOME
  uid_t uid = 0;

  // Reads the variables above from the process environment and getuid().
  static AuthEnvironment from_process();
};

// One file that credentials are read from.
struct AuthSource {
  std::string path;
  // True for ~/.dockercfg, whose top level is the map of entries itself
  // rather than {"auths": {...}}.
  bool legacy_format = false;
};

// Returns the auth file that login and logout write, in Podman's order:
// authfile_flag (--authfile) when not empty, else $REGISTRY_AUTH_FILE, else
// $XDG_RUNTIME_DIR/containers/auth.json, else
// /run/containers/<uid>/auth.json (/run/containers/0/auth.json for root).
std::string auth_file_path(const std::string& authfile_flag, const AuthEnvironment& env);

// Returns the files that credential lookups read, in order. The first is
// auth_file_path(). When neither --authfile nor $REGISTRY_AUTH_FILE chose it,
// the fallbacks follow: $XDG_CONFIG_HOME/containers/auth.json (or
// ~/.config/containers/auth.json), $DOCKER_CONFIG/config.json (or
// ~/.docker/config.json) and ~/.dockercfg.
std::vector<AuthSource> auth_read_sources(const std::string& authfile_flag,
                                          const AuthEnvironment& env);

// Returns the registry that an auth file key names as a whole, or nullopt
// when the key is scoped to a repository ("host/namespace/repo"). Keys may
// be written as Docker writes them: an http:// or https:// URL whose path is
// dropped ("https://index.docker.io/v1/"), or "host/v1/". Docker Hub's hosts
// (index.docker.io, registry-1.docker.io) are returned as "docker.io".
std::optional<std::string> auth_key_registry(std::string_view key);

// A containers auth file (containers-auth.json(5), the format of Docker's
// config.json): {"auths": {"registry[/repository]": {"auth":
// base64("user:password")}}}. The whole document is kept, so keys and
// entries berth does not use survive a save.
class AuthFile {
 public:
  // Loads path. A missing file gives an empty document. Throws
  // Error{kInvalidArgument} naming the path when the file is not a JSON
  // object or its "auths" is not an object.
  static AuthFile load(const std::string& path, bool legacy_format = false);

  // Parses text as the content of path (used in messages and by save()).
  static AuthFile parse(std::string_view text, std::string path, bool legacy_format = false);

  const std::string& path() const { return path_; }

  // Finds the credentials for key ("registry" or "registry/namespace/repo")
  // from the most specific entry: "reg/a/b", then "reg/a", then "reg", then
  // any entry whose auth_key_registry() is key's registry (such as
  // "https://index.docker.io/v1/" for "docker.io"). Entries without an
  // "auth" value are skipped. Returns nullopt when no entry matches. Throws
  // Error{kInvalidArgument} naming the file and the entry when the matching
  // entry's "auth" is not base64 of "user:password".
  std::optional<Credentials> find(std::string_view key) const;

  // Returns the credential helper that the file's "credHelpers" names for
  // registry (such as "pass" for docker-credential-pass), or nullopt.
  std::optional<std::string> credential_helper(std::string_view registry) const;

  // Stores credentials under key exactly as given, replacing that entry.
  void set(const std::string& key, const Credentials& credentials);

  // Removes the entry named key; for a registry key without a repository,
  // entries naming the same registry with a scheme or path
  // ("https://host/v1/") go too. Returns whether anything was removed.
  bool remove(std::string_view key);

  // Removes every entry of "auths"; other top-level keys stay.
  void remove_all();

  // Writes the document to path() atomically (temporary file and rename)
  // with mode 0600, creating missing parent directories with mode 0700.
  // Not supported for the legacy format.
  void save() const;

 private:
  AuthFile(std::string path, bool legacy_format, nlohmann::json document);

  // The object that maps keys to entries, or nullptr when there is none.
  const nlohmann::json* entries() const;
  std::optional<Credentials> decode_entry(const std::string& key,
                                          const nlohmann::json& entry) const;

  std::string path_;
  bool legacy_format_ = false;
  nlohmann::json document_;
};

// Credentials found by find_credentials and the file they came from.
struct FoundCredentials {
  Credentials credentials;
  std::string path;
};

// Looks key up in each source in order and returns the first match. In each
// file a credential helper that "credHelpers" names for key's registry
// comes first, as in Podman: docker-credential-NAME get, run with the
// registry on stdin. Then AuthFile::find. Missing files are skipped, and
// malformed ones throw. A helper that is not installed or fails throws
// Error{kNotFound} or Error{kUnauthorized} naming it.
// NOTE: "credsStore" and identity tokens are not consulted.
std::optional<FoundCredentials> find_credentials(const std::vector<AuthSource>& sources,
                                                 std::string_view key);

}  // namespace berth::config
