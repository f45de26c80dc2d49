#include "config/auth_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/base64.hpp"
#include "common/error.hpp"
#include "os/file.hpp"
#include "os/process.hpp"

namespace berth::config {

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// Maps the hosts of Docker Hub to the registry name used in references.
std::string normalize_registry(std::string_view registry) {
  if (registry == "index.docker.io" || registry == "registry-1.docker.io") return "docker.io";
  return std::string(registry);
}

// Creates the missing directories of path's parent with mode 0700. Existing
// directories keep their mode.
void make_private_parent_dirs(const std::string& path) {
  std::string::size_type slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return;
  std::string parent = path.substr(0, slash);
  for (std::string::size_type end = parent.find('/', 1);; end = parent.find('/', end + 1)) {
    std::string dir = parent.substr(0, end);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      fail_errno(errno, "creating directory \"" + dir + "\"");
    }
    if (end == std::string::npos) break;
  }
}

}  // namespace

AuthEnvironment AuthEnvironment::from_process() {
  AuthEnvironment env;
  env.registry_auth_file = env_or_empty("REGISTRY_AUTH_FILE");
  env.xdg_runtime_dir = env_or_empty("XDG_RUNTIME_DIR");
  env.xdg_config_home = env_or_empty("XDG_CONFIG_HOME");
  env.docker_config = env_or_empty("DOCKER_CONFIG");
  env.home = env_or_empty("HOME");
  env.uid = ::getuid();
  return env;
}

std::string auth_file_path(const std::string& authfile_flag, const AuthEnvironment& env) {
  if (!authfile_flag.empty()) return authfile_flag;
  if (!env.registry_auth_file.empty()) return env.registry_auth_file;
  if (!env.xdg_runtime_dir.empty()) return env.xdg_runtime_dir + "/containers/auth.json";
  return "/run/containers/" + std::to_string(env.uid) + "/auth.json";
}

std::vector<AuthSource> auth_read_sources(const std::string& authfile_flag,
                                          const AuthEnvironment& env) {
  std::vector<AuthSource> sources{{auth_file_path(authfile_flag, env), false}};
  // A file the user named is the only one read, as in Podman.
  if (!authfile_flag.empty() || !env.registry_auth_file.empty()) return sources;

  if (!env.xdg_config_home.empty()) {
    sources.push_back({env.xdg_config_home + "/containers/auth.json", false});
  } else if (!env.home.empty()) {
    sources.push_back({env.home + "/.config/containers/auth.json", false});
  }
  if (!env.docker_config.empty()) {
    sources.push_back({env.docker_config + "/config.json", false});
  } else if (!env.home.empty()) {
    sources.push_back({env.home + "/.docker/config.json", false});
  }
  if (!env.home.empty()) sources.push_back({env.home + "/.dockercfg", true});
  return sources;
}

std::optional<std::string> auth_key_registry(std::string_view key) {
  bool had_scheme = false;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key.remove_prefix(scheme.size());
      had_scheme = true;
    }
  }
  if (had_scheme) {
    // A URL key names its whole host, whatever its path.
    key = key.substr(0, key.find('/'));
  } else {
    for (std::string_view suffix : {"/v1/", "/v1", "/v2/", "/v2"}) {
      if (key.ends_with(suffix)) {
        key.remove_suffix(suffix.size());
        break;
      }
    }
  }
  if (key.empty() || key.find('/') != std::string_view::npos) return std::nullopt;
  return normalize_registry(key);
}

AuthFile::AuthFile(std::string path, bool legacy_format, nlohmann::json document)
    : path_(std::move(path)), legacy_format_(legacy_format), document_(std::move(document)) {}

AuthFile AuthFile::load(const std::string& path, bool legacy_format) {
  std::optional<std::string> text = os::read_file_if_exists(path);
  if (!text) return AuthFile(path, legacy_format, nlohmann::json::object());
  return parse(*text, path, legacy_format);
}

AuthFile AuthFile::parse(std::string_view text, std::string path, bool legacy_format) {
  nlohmann::json document;
  // An empty file is treated as an empty document, as Podman does.
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    document = nlohmann::json::object();
  } else {
    try {
      document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      fail(ErrorCode::kInvalidArgument, "auth file \"{}\" is not valid JSON: {}; fix or remove it",
           path, e.what());
    }
  }
  if (!document.is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "auth file \"{}\" is invalid: the top level must be a JSON object; fix or remove it",
         path);
  }
  if (!legacy_format && document.contains("auths") && !document["auths"].is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "auth file \"{}\" is invalid: \"auths\" must be a JSON object; fix or remove it", path);
  }
  return AuthFile(std::move(path), legacy_format, std::move(document));
}

const nlohmann::json* AuthFile::entries() const {
  if (legacy_format_) return &document_;
  auto it = document_.find("auths");
  return it == document_.end() ? nullptr : &*it;
}

// Decodes one entry's "auth" value. Returns nullopt when the entry has none
// (Docker leaves such entries when a credential helper keeps the secret).
std::optional<Credentials> AuthFile::decode_entry(const std::string& key,
                                                  const nlohmann::json& entry) const {
  if (!entry.is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "auth file \"{}\": entry \"{}\" is not a JSON object; log in again or fix the file",
         path_, key);
  }
  auto auth = entry.find("auth");
  if (auth == entry.end() || (auth->is_string() && auth->get<std::string>().empty())) {
    return std::nullopt;
  }
  std::optional<std::string> decoded;
  if (auth->is_string()) decoded = base64_decode(auth->get<std::string>());
  std::string::size_type colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "auth file \"{}\": the \"auth\" value of entry \"{}\" is not base64 of "
         "\"user:password\"; log in again or fix the file",
         path_, key);
  }
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<Credentials> AuthFile::find(std::string_view key) const {
  const nlohmann::json* all = entries();
  if (all == nullptr) return std::nullopt;

  // Most specific first: "reg/a/b", "reg/a", "reg".
  std::string candidate(key);
  for (;;) {
    auto it = all->find(candidate);
    if (it != all->end()) {
      if (auto credentials = decode_entry(candidate, *it)) return credentials;
    }
    std::string::size_type slash = candidate.rfind('/');
    if (slash == std::string::npos) break;
    candidate.resize(slash);
  }

  // Then keys written the way Docker writes them ("https://host/v1/").
  std::string registry = normalize_registry(candidate);
  for (const auto& [entry_key, entry] : all->items()) {
    if (auth_key_registry(entry_key) != registry) continue;
    if (auto credentials = decode_entry(entry_key, entry)) return credentials;
  }
  return std::nullopt;
}

std::optional<std::string> AuthFile::credential_helper(std::string_view registry) const {
  if (legacy_format_ || !document_.is_object()) return std::nullopt;
  auto helpers = document_.find("credHelpers");
  if (helpers == document_.end() || !helpers->is_object()) return std::nullopt;
  auto helper = helpers->find(std::string(registry));
  if (helper == helpers->end() || !helper->is_string() || helper->get<std::string>().empty()) {
    return std::nullopt;
  }
  return helper->get<std::string>();
}

void AuthFile::set(const std::string& key, const Credentials& credentials) {
  nlohmann::json& all = legacy_format_ ? document_ : document_["auths"];
  all[key] = {{"auth", base64_encode(credentials.username + ":" + credentials.password)}};
}

bool AuthFile::remove(std::string_view key) {
  if (!legacy_format_ && !document_.contains("auths")) return false;
  nlohmann::json* all = legacy_format_ ? &document_ : &document_["auths"];
  std::string exact(key);
  bool removed = all->erase(exact) > 0;
  if (exact.find('/') == std::string::npos) {
    std::string registry = normalize_registry(exact);
    for (auto it = all->begin(); it != all->end();) {
      if (auth_key_registry(it.key()) == registry) {
        it = all->erase(it);
        removed = true;
      } else {
        ++it;
      }
    }
  }
  return removed;
}

void AuthFile::remove_all() {
  if (legacy_format_) {
    document_ = nlohmann::json::object();
  } else if (document_.contains("auths")) {
    document_["auths"] = nlohmann::json::object();
  }
}

void AuthFile::save() const {
  if (legacy_format_) {
    fail(ErrorCode::kInvalidArgument,
         "cannot write the legacy auth file \"{}\": use an auth.json path instead", path_);
  }
  make_private_parent_dirs(path_);
  // Podman writes the file indented with tabs; so does berth, for diffs.
  std::string text = document_.dump(1, '\t') + "\n";
  with_context(fmt::format("writing auth file \"{}\"", path_),
               [&] { os::write_file_atomic(path_, text, 0600); });
}

namespace {

// Asks docker-credential-HELPER for the credentials of registry. Returns
// nullopt when the helper has none.
std::optional<Credentials> helper_credentials(const std::string& helper,
                                              const std::string& registry,
                                              const std::string& auth_path) {
  std::string program = "docker-credential-" + helper;
  if (!os::find_in_path(program)) {
    fail(ErrorCode::kNotFound,
         "credential helper \"{}\" for {} (credHelpers in {}) is not installed: install it or "
         "remove the entry",
         program, registry, auth_path);
  }
  os::ProcessResult result = os::run_process({program, "get"}, registry);
  if (result.exit_code != 0) {
    std::string message = result.out + result.err;
    if (message.find("credentials not found") != std::string::npos) return std::nullopt;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    fail(ErrorCode::kUnauthorized, "credential helper \"{}\" failed for {} (exit code {}): {}",
         program, registry, result.exit_code, message);
  }
  nlohmann::json reply;
  try {
    reply = nlohmann::json::parse(result.out);
  } catch (const nlohmann::json::exception&) {
    fail(ErrorCode::kUnauthorized, "credential helper \"{}\" printed no JSON for {}", program,
         registry);
  }
  if (!reply.is_object() || !reply.value("Secret", nlohmann::json()).is_string() ||
      !reply.value("Username", nlohmann::json()).is_string()) {
    fail(ErrorCode::kUnauthorized,
         "credential helper \"{}\" printed no Username and Secret strings for {}", program,
         registry);
  }
  return Credentials{reply["Username"].get<std::string>(), reply["Secret"].get<std::string>()};
}

}  // namespace

std::optional<FoundCredentials> find_credentials(const std::vector<AuthSource>& sources,
                                                 std::string_view key) {
  std::string registry(key.substr(0, key.find('/')));
  for (const AuthSource& source : sources) {
    AuthFile file = AuthFile::load(source.path, source.legacy_format);
    if (auto helper = file.credential_helper(registry)) {
      if (auto credentials = helper_credentials(*helper, registry, source.path)) {
        return FoundCredentials{*credentials, source.path};
      }
    }
    if (auto credentials = file.find(key)) return FoundCredentials{*credentials, source.path};
  }
  return std::nullopt;
}

}  // namespace berth::config
