// Decoding of the X-Registry-Auth and X-Registry-Config headers.

#include "api/images_auth.hpp"

#include <algorithm>
#include <cctype>

#include "common/base64.hpp"
#include "common/error.hpp"

namespace berth::api {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The value of key in object, compared without case; null when absent.
const nlohmann::json* find_key(const nlohmann::json& object, const std::string& key) {
  for (const auto& [name, value] : object.items()) {
    if (lowercase(name) == key) return &value;
  }
  return nullptr;
}

std::string string_field(const nlohmann::json& object, const std::string& key) {
  const nlohmann::json* value = find_key(object, key);
  if (value == nullptr || !value->is_string()) return "";
  return value->get<std::string>();
}

// Whether object is one AuthConfig rather than a map of them: a map's
// values are all objects.
bool is_single_auth_config(const nlohmann::json& object) {
  for (const auto& [name, value] : object.items()) {
    if (!value.is_object()) return true;
  }
  return false;
}

// Whether a map key ("127.0.0.1:5000", "https://index.docker.io/v1/")
// names registry.
bool key_names_registry(const std::string& key, const std::string& registry) {
  if (key == registry) return true;
  auto named = config::auth_key_registry(key);
  return named && *named == registry;
}

}  // namespace

std::optional<nlohmann::json> decode_auth_header(std::string_view header_name,
                                                 std::string_view value) {
  if (value.empty()) return std::nullopt;
  std::string text(value);
  // Docker encodes with the URL-safe alphabet; Podman's clients use either.
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  auto decoded = base64_decode(text);
  if (!decoded) {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} header: it is not base64; send base64 of a JSON object", header_name);
  }
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(*decoded);
  } catch (const nlohmann::json::parse_error& e) {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} header: its JSON does not parse at byte {}; send base64 of a JSON object",
         header_name, e.byte);
  }
  if (!parsed.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} header: the JSON is not an object",
         header_name);
  }
  return parsed;
}

std::optional<config::Credentials> auth_config_credentials(const nlohmann::json& config) {
  if (!config.is_object()) return std::nullopt;
  config::Credentials credentials{string_field(config, "username"),
                                  string_field(config, "password")};
  std::string auth = string_field(config, "auth");
  if (credentials.username.empty() && !auth.empty()) {
    auto decoded = base64_decode(auth);
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      fail(ErrorCode::kInvalidArgument,
           "invalid registry credentials: \"auth\" is not base64 of \"user:password\"");
    }
    credentials.username = decoded->substr(0, colon);
    credentials.password = decoded->substr(colon + 1);
  }
  // NOTE: identity and registry tokens (OAuth refresh tokens) are not
  // used; a client that sends only a token pulls without credentials.
  if (credentials.username.empty()) return std::nullopt;
  return credentials;
}

std::optional<config::Credentials> registry_credentials(std::string_view x_registry_auth,
                                                        std::string_view x_registry_config,
                                                        const std::string& registry) {
  auto from_map = [&](const nlohmann::json& map) -> std::optional<config::Credentials> {
    for (const auto& [key, value] : map.items()) {
      if (key_names_registry(key, registry)) return auth_config_credentials(value);
    }
    return std::nullopt;
  };
  if (auto auth = decode_auth_header("X-Registry-Auth", x_registry_auth)) {
    if (is_single_auth_config(*auth)) {
      if (auto credentials = auth_config_credentials(*auth)) return credentials;
    } else if (auto credentials = from_map(*auth)) {
      return credentials;
    }
  }
  if (auto map = decode_auth_header("X-Registry-Config", x_registry_config)) {
    return from_map(*map);
  }
  return std::nullopt;
}

std::map<std::string, config::Credentials> all_registry_credentials(
    std::string_view x_registry_auth, std::string_view x_registry_config) {
  std::map<std::string, config::Credentials> found;
  auto add_map = [&](const nlohmann::json& map) {
    for (const auto& [key, value] : map.items()) {
      auto registry = config::auth_key_registry(key);
      if (!registry || found.contains(*registry)) continue;
      if (auto credentials = auth_config_credentials(value)) found[*registry] = *credentials;
    }
  };
  if (auto auth = decode_auth_header("X-Registry-Auth", x_registry_auth)) {
    if (is_single_auth_config(*auth)) {
      if (auto credentials = auth_config_credentials(*auth)) found[""] = *credentials;
    } else {
      add_map(*auth);
    }
  }
  if (auto map = decode_auth_header("X-Registry-Config", x_registry_config)) add_map(*map);
  return found;
}

}  // namespace berth::api
