#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::storage::tar {

// Reading of the tar header fields that locate entries in a stream: sizes,
// names and type flags of ustar, pax and GNU headers. libarchive does the
// actual extraction; these helpers serve the tar layout, which must know
// where each entry's data starts and ends.

constexpr std::size_t kBlockSize = 512;

// Header offsets and lengths from POSIX.1-2001 (ustar).
constexpr std::size_t kNameOffset = 0;
constexpr std::size_t kNameLength = 100;
constexpr std::size_t kSizeOffset = 124;
constexpr std::size_t kSizeLength = 12;
constexpr std::size_t kChecksumOffset = 148;
constexpr std::size_t kChecksumLength = 8;
constexpr std::size_t kTypeFlagOffset = 156;
constexpr std::size_t kMagicOffset = 257;
constexpr std::size_t kPrefixOffset = 345;
constexpr std::size_t kPrefixLength = 155;

// Type flags the tar layout handles. '0', '\0' and '7' are regular files.
constexpr char kPaxLocal = 'x';
constexpr char kPaxGlobal = 'g';
constexpr char kGnuLongName = 'L';
constexpr char kGnuLongLink = 'K';
constexpr char kGnuSparse = 'S';

bool is_regular_type(char type_flag);

// Parses a numeric header field. When the first byte has its high bit set,
// the field is in GNU base-256 form. Otherwise it contains octal digits after
// optional spaces, ending at a space, NUL or the field's end. Returns nullopt
// for a negative base-256 value, a value above 2^63 - 1, or a stray
// character in an octal field.
std::optional<std::uint64_t> parse_number(std::string_view field);

// Returns whether the header's checksum field matches the sum of its bytes,
// summed as unsigned bytes or, as some old tar writers did, as signed ones.
bool checksum_matches(const unsigned char* header);

bool is_zero_block(const unsigned char* block);

// Returns the entry name the header itself stores: the name field, with the
// prefix field and a "/" before it for POSIX ustar headers (magic
// "ustar\0"). GNU headers use the prefix bytes for other fields.
std::string header_name(const unsigned char* header);

// The pax extended header keywords that change where an entry's data is or
// which file it belongs to.
struct PaxValues {
  std::optional<std::string> path;
  std::optional<std::uint64_t> size;
  bool sparse = false;  // a GNU.sparse.* keyword: the data is a sparse map
};

// Parses pax extended header records, "<length> <keyword>=<value>\n" each.
// Returns nullopt when a record is malformed.
std::optional<PaxValues> parse_pax(std::string_view data);

}  // namespace berth::storage::tar
