#include "storage/tar_header.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace berth::storage::tar {
namespace {

using namespace std::string_literals;

std::string block_with_checksum(std::string block) {
  block.resize(kBlockSize, '\0');
  std::memset(block.data() + kChecksumOffset, ' ', kChecksumLength);
  unsigned sum = 0;
  for (unsigned char byte : block) sum += byte;
  std::snprintf(block.data() + kChecksumOffset, kChecksumLength, "%06o", sum);
  return block;
}

const unsigned char* bytes(const std::string& block) {
  return reinterpret_cast<const unsigned char*>(block.data());
}

TEST(TarNumberTest, ParsesOctal) {
  EXPECT_EQ(parse_number("00000000012\0"s), 10u);
  EXPECT_EQ(parse_number("   17 \0"s), 15u);
  EXPECT_EQ(parse_number("\0\0\0\0"s), 0u);
  EXPECT_EQ(parse_number("77777777777\0"s), 8589934591u);
}

TEST(TarNumberTest, RejectsStrayCharacters) {
  EXPECT_FALSE(parse_number("0012x\0"s));
  EXPECT_FALSE(parse_number("8\0"s));
}

TEST(TarNumberTest, ParsesBase256) {
  std::string field(12, '\0');
  field[0] = static_cast<char>(0x80);
  field[9] = 0x02;   // 2 << 16
  field[10] = 0x00;
  field[11] = 0x05;
  EXPECT_EQ(parse_number(field), (2u << 16) + 5u);

  std::string large(12, '\0');
  large[0] = static_cast<char>(0x80);
  large[7] = 0x03;  // 3 << 32: a 12 GiB file
  EXPECT_EQ(parse_number(large), 3ull << 32);
}

TEST(TarNumberTest, RejectsNegativeBase256) {
  std::string field(12, static_cast<char>(0xff));
  EXPECT_FALSE(parse_number(field));
}

TEST(TarHeaderTest, ChecksumMatchesOnlyUnchangedHeader) {
  std::string block = block_with_checksum("file.txt");
  EXPECT_TRUE(checksum_matches(bytes(block)));
  block[0] = 'g';
  EXPECT_FALSE(checksum_matches(bytes(block)));
}

TEST(TarHeaderTest, ZeroBlock) {
  std::string zeros(kBlockSize, '\0');
  EXPECT_TRUE(is_zero_block(bytes(zeros)));
  zeros[511] = 1;
  EXPECT_FALSE(is_zero_block(bytes(zeros)));
}

TEST(TarHeaderTest, NameUsesUstarPrefix) {
  std::string block(kBlockSize, '\0');
  std::memcpy(block.data(), "name.txt", 8);
  std::memcpy(block.data() + kMagicOffset, "ustar\0" "00", 8);
  std::memcpy(block.data() + kPrefixOffset, "some/dir", 8);
  EXPECT_EQ(header_name(bytes(block)), "some/dir/name.txt");
}

TEST(TarHeaderTest, NameIgnoresPrefixInGnuHeader) {
  std::string block(kBlockSize, '\0');
  std::memcpy(block.data(), "name.txt", 8);
  std::memcpy(block.data() + kMagicOffset, "ustar  \0", 8);
  std::memcpy(block.data() + kPrefixOffset, "not-a-prefix", 12);
  EXPECT_EQ(header_name(bytes(block)), "name.txt");
}

TEST(TarHeaderTest, NameFillsWholeField) {
  std::string block(kBlockSize, '\0');
  std::string long_name(kNameLength, 'n');
  std::memcpy(block.data(), long_name.data(), long_name.size());
  block[kNameLength] = 'X';  // the mode field that follows
  EXPECT_EQ(header_name(bytes(block)), long_name);
}

TEST(PaxTest, ParsesPathSizeAndSparse) {
  std::string data = "30 mtime=1600000000.123456789\n"
                     "16 path=a/b/c.d\n"
                     "20 size=12884901888\n"
                     "22 GNU.sparse.major=1\n";
  auto values = parse_pax(data);
  ASSERT_TRUE(values);
  EXPECT_EQ(values->path, "a/b/c.d");
  EXPECT_EQ(values->size, 12884901888u);
  EXPECT_TRUE(values->sparse);
}

TEST(PaxTest, ValueMayContainNewlineAndEquals) {
  std::string data = "14 path=a=b\nc\n";
  auto values = parse_pax(data);
  ASSERT_TRUE(values);
  EXPECT_EQ(values->path, "a=b\nc");
  EXPECT_FALSE(values->sparse);
}

TEST(PaxTest, RejectsMalformedRecords) {
  EXPECT_FALSE(parse_pax("99 path=x\n"));      // length past the end
  EXPECT_FALSE(parse_pax("10 pathxx\n"));      // no '='
  EXPECT_FALSE(parse_pax("x path=a\n"));       // length not a number
  EXPECT_FALSE(parse_pax("11 path=ab\0"s));    // no newline
  EXPECT_FALSE(parse_pax("12 size=1x2\n"));    // size not a number
}

}  // namespace
}  // namespace berth::storage::tar
