#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth {

// Encodes data as standard base64 (RFC 4648 section 4) with "=" padding.
std::string base64_encode(std::string_view data);

// Decodes standard base64. Padding is optional, but a length that no encoding
// produces (one character past a group of four), a character outside the
// alphabet or a "=" before the end returns nullopt. Whitespace is not
// accepted.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace berth
