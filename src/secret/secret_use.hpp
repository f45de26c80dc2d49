#pragma once

// Secrets: how a container uses one secret (a --secret value), stored in
// the container's config.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace berth::secret {

// The directory that mount secrets with a relative target go to.
constexpr std::string_view kSecretsDir = "/run/secrets";

struct SecretUse {
  std::string name;  // as the user gave it
  std::string id;    // resolved when the container is created
  std::string type = "mount";  // mount: a file in the container; env: a variable
  // mount: the file's absolute path in the container; env: the variable.
  std::string target;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t mode = 0444;
};

// Parses NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=OCTAL] as
// Podman's --secret does. The target defaults to the name, and a relative
// mount target goes under /run/secrets. uid, gid and mode apply only to
// mount. Throws Error{kInvalidArgument} naming the invalid part.
SecretUse parse_secret_use(std::string_view text);

void to_json(nlohmann::json& j, const SecretUse& use);
void from_json(const nlohmann::json& j, SecretUse& use);

}  // namespace berth::secret
