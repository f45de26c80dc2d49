#pragma once

// Serializing JSON with user input in it.

#include <string>

namespace berth {

// Returns value as JSON text. Each byte of a string that is not valid
// UTF-8 (a command argument, a label, an environment value) becomes
// U+FFFD, as in the JSON Podman writes, where the JSON library alone would
// throw. indent -1 gives compact text.
template <typename Json>
std::string json_text(const Json& value, int indent = -1) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace berth
