#include "common/base64.hpp"

#include <array>
#include <cstdint>

namespace berth {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Maps each byte to its 6-bit value, or -1 for bytes outside the alphabet.
constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& value : table) value = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}

constexpr std::array<std::int8_t, 256> kDecodeTable = make_decode_table();

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t group = static_cast<unsigned char>(data[i]) << 16 |
                          static_cast<unsigned char>(data[i + 1]) << 8 |
                          static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[group >> 18 & 0x3f];
    out += kAlphabet[group >> 12 & 0x3f];
    out += kAlphabet[group >> 6 & 0x3f];
    out += kAlphabet[group & 0x3f];
  }
  std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t group = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) group |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[group >> 18 & 0x3f];
    out += kAlphabet[group >> 12 & 0x3f];
    out += rest == 2 ? kAlphabet[group >> 6 & 0x3f] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // Strip up to two "=" of padding, then require a complete final group.
  std::size_t padding = 0;
  while (padding < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;

  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    std::int8_t value = kDecodeTable[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    buffer = buffer << 6 | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(buffer >> bits & 0xff);
    }
  }
  return out;
}

}  // namespace berth
