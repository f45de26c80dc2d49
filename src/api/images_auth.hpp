#pragma once

// Registry credentials that Docker and Podman clients send with image
// requests: the X-Registry-Auth and X-Registry-Config headers.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/auth_file.hpp"

namespace berth::api {

// Decodes a header value: base64 (URL-safe or standard alphabet, padding
// optional) of a JSON object. Returns nullopt for an empty value. Throws
// Error{kInvalidArgument} naming the header when it is not base64 of a
// JSON object.
std::optional<nlohmann::json> decode_auth_header(std::string_view header_name,
                                                 std::string_view value);

// Reads one Docker AuthConfig object ({"username", "password", "auth",
// "serveraddress", ...}; key case does not matter, as in Go's decoder).
// "auth" is base64 of "user:password" and is used when username is unset.
// Returns nullopt when it carries no username.
std::optional<config::Credentials> auth_config_credentials(const nlohmann::json& config);

// Returns the credentials for registry ("host[:port]", "docker.io" for
// Docker Hub) from the headers. The Docker CLI sends one AuthConfig in
// X-Registry-Auth. Podman's clients send a map of server address to
// AuthConfig there, and X-Registry-Config is such a map too. A map entry
// counts when its key names the registry, also as a URL such as
// "https://index.docker.io/v1/". Returns nullopt when the headers carry
// no credentials for registry. Throws as decode_auth_header.
std::optional<config::Credentials> registry_credentials(std::string_view x_registry_auth,
                                                        std::string_view x_registry_config,
                                                        const std::string& registry);

// Returns every set of credentials the headers carry, keyed by registry
// ("host[:port]", "docker.io"), for a build whose FROM images are known only
// as it runs. The single AuthConfig form of X-Registry-Auth names no
// registry and comes back under the key "". Entries scoped to a repository
// and entries without a user name are left out. Throws as decode_auth_header.
std::map<std::string, config::Credentials> all_registry_credentials(
    std::string_view x_registry_auth, std::string_view x_registry_config);

}  // namespace berth::api
