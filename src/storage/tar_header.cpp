#include "storage/tar_header.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace berth::storage::tar {

namespace {

constexpr std::uint64_t kMaxValue = std::numeric_limits<std::int64_t>::max();

std::string_view field(const unsigned char* header, std::size_t offset, std::size_t length) {
  const char* start = reinterpret_cast<const char*>(header) + offset;
  const void* nul = std::memchr(start, '\0', length);
  std::size_t size = nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - start) : length;
  return {start, size};
}

std::optional<std::uint64_t> parse_base256(std::string_view field) {
  auto first = static_cast<unsigned char>(field[0]);
  // Bit 6 of the first byte is the sign bit of a two's complement number.
  if (first & 0x40) return std::nullopt;
  std::uint64_t value = first & 0x3f;
  for (std::size_t i = 1; i < field.size(); ++i) {
    if (value > (kMaxValue >> 8)) return std::nullopt;
    value = (value << 8) | static_cast<unsigned char>(field[i]);
  }
  return value;
}

std::optional<std::uint64_t> parse_octal(std::string_view field) {
  std::size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  std::uint64_t value = 0;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value > (kMaxValue >> 3)) return std::nullopt;
    value = (value << 3) | static_cast<std::uint64_t>(field[i] - '0');
  }
  for (; i < field.size(); ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || value > (kMaxValue - 9) / 10) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

bool is_regular_type(char type_flag) {
  return type_flag == '0' || type_flag == '\0' || type_flag == '7';
}

std::optional<std::uint64_t> parse_number(std::string_view field) {
  if (field.empty()) return 0;
  if (static_cast<unsigned char>(field[0]) & 0x80) return parse_base256(field);
  return parse_octal(field);
}

bool checksum_matches(const unsigned char* header) {
  auto stored = parse_octal(
      {reinterpret_cast<const char*>(header) + kChecksumOffset, kChecksumLength});
  if (!stored) return false;
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < kBlockSize; ++i) {
    bool in_checksum = i >= kChecksumOffset && i < kChecksumOffset + kChecksumLength;
    unsigned char byte = in_checksum ? ' ' : header[i];
    unsigned_sum += byte;
    signed_sum += static_cast<signed char>(byte);
  }
  return *stored == unsigned_sum || static_cast<std::int64_t>(*stored) == signed_sum;
}

bool is_zero_block(const unsigned char* block) {
  return std::all_of(block, block + kBlockSize, [](unsigned char byte) { return byte == 0; });
}

std::string header_name(const unsigned char* header) {
  std::string name(field(header, kNameOffset, kNameLength));
  static constexpr char kPosixMagic[] = "ustar";  // with its NUL: 6 bytes
  if (std::memcmp(header + kMagicOffset, kPosixMagic, sizeof kPosixMagic) != 0) return name;
  std::string_view prefix = field(header, kPrefixOffset, kPrefixLength);
  if (prefix.empty()) return name;
  return std::string(prefix) + "/" + name;
}

std::optional<PaxValues> parse_pax(std::string_view data) {
  PaxValues values;
  while (!data.empty()) {
    auto space = data.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    auto length = parse_decimal(data.substr(0, space));
    if (!length || *length <= space + 1 || *length > data.size()) return std::nullopt;
    std::string_view record = data.substr(space + 1, *length - space - 1);
    data.remove_prefix(*length);
    if (record.back() != '\n') return std::nullopt;
    record.remove_suffix(1);
    auto equals = record.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    std::string_view keyword = record.substr(0, equals);
    std::string_view value = record.substr(equals + 1);
    if (keyword == "path") {
      values.path = std::string(value);
    } else if (keyword == "size") {
      values.size = parse_decimal(value);
      if (!values.size) return std::nullopt;
    } else if (keyword.starts_with("GNU.sparse.")) {
      values.sparse = true;
    }
  }
  return values;
}

}  // namespace berth::storage::tar
