#pragma once

#include <string>
#include <string_view>

namespace berth {

// Returns a new random 64-hex-digit ID (from getrandom), as container IDs.
std::string random_id();

// Returns a random "adjective_surname" name like Podman's generated names.
std::string random_name();

// True when name is a valid container name: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
bool is_valid_name(std::string_view name);

// Returns the first 12 characters of an ID (or the whole ID if shorter).
std::string short_id(std::string_view id);

}  // namespace berth
