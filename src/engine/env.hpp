#pragma once

// Environment variables of containers and exec sessions, from -e and
// --env-file values.

#include <string>
#include <vector>

namespace berth::engine {

// Sets KEY=VALUE in env, replacing an earlier value of KEY.
void set_env(std::vector<std::string>& env, const std::string& entry);

// Applies one -e value: KEY=VALUE, or KEY alone to copy the caller's value
// (skipped when the caller has none), as Podman does. Throws
// Error{kInvalidArgument} for a value without a key.
void apply_env_value(std::vector<std::string>& env, const std::string& value);

// Applies each line of an env file as apply_env_value does; blank lines and
// lines starting with # are skipped. Throws Error{kNotFound} naming a
// missing file.
void apply_env_file(std::vector<std::string>& env, const std::string& path);

}  // namespace berth::engine
