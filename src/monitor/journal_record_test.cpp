#include "journal_record.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace monitor {
namespace {

// Parses a native-protocol record back into its fields, as journald does.
std::map<std::string, std::string> parse_record(const std::string& record) {
  std::map<std::string, std::string> fields;
  std::size_t pos = 0;
  while (pos < record.size()) {
    std::size_t line_end = record.find('\n', pos);
    std::size_t equals = record.find('=', pos);
    if (equals != std::string::npos && equals < line_end) {
      fields[record.substr(pos, equals - pos)] = record.substr(equals + 1, line_end - equals - 1);
      pos = line_end + 1;
      continue;
    }
    std::string name = record.substr(pos, line_end - pos);
    std::uint64_t size = 0;
    for (int i = 0; i < 8; ++i) {
      size |= static_cast<std::uint64_t>(static_cast<unsigned char>(record[line_end + 1 + i]))
              << (8 * i);
    }
    fields[name] = record.substr(line_end + 9, size);
    EXPECT_EQ(record[line_end + 9 + size], '\n');
    pos = line_end + 10 + size;
  }
  return fields;
}

const std::string kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(JournalRecord, StdoutLineFields) {
  auto fields = parse_record(
      journal_line_record(journal_container_fields(kId, "web", ""), false, "hello world", false));
  EXPECT_EQ(fields["MESSAGE"], "hello world");
  EXPECT_EQ(fields["PRIORITY"], "6");
  EXPECT_EQ(fields["CONTAINER_ID"], "0123456789ab");
  EXPECT_EQ(fields["CONTAINER_ID_FULL"], kId);
  EXPECT_EQ(fields["CONTAINER_NAME"], "web");
  EXPECT_EQ(fields["SYSLOG_IDENTIFIER"], "0123456789ab");
  EXPECT_EQ(fields.count("CONTAINER_PARTIAL_MESSAGE"), 0u);
  EXPECT_EQ(fields.count("CONTAINER_TAG"), 0u);
}

TEST(JournalRecord, StderrPartialWithTag) {
  auto fields = parse_record(
      journal_line_record(journal_container_fields(kId, "web", "mytag"), true, "no newline", true));
  EXPECT_EQ(fields["PRIORITY"], "3");
  EXPECT_EQ(fields["CONTAINER_PARTIAL_MESSAGE"], "true");
  EXPECT_EQ(fields["CONTAINER_TAG"], "mytag");
  EXPECT_EQ(fields["SYSLOG_IDENTIFIER"], "mytag");
}

TEST(JournalRecord, ExactTextFormat) {
  std::string record = journal_line_record(journal_container_fields("abc", "n", ""), false, "x", false);
  EXPECT_EQ(record,
            "MESSAGE=x\nPRIORITY=6\nCONTAINER_ID=abc\nCONTAINER_ID_FULL=abc\nCONTAINER_NAME=n\n"
            "SYSLOG_IDENTIFIER=abc\n");
}

TEST(JournalRecord, BinaryFieldForNewline) {
  std::string record;
  append_journal_field(record, "MESSAGE", "a\nb");
  EXPECT_EQ(record, std::string("MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\n", 20));
  EXPECT_EQ(parse_record(record)["MESSAGE"], "a\nb");
}

TEST(JournalRecord, EmptyMessage) {
  auto fields = parse_record(journal_line_record(journal_container_fields(kId, "w", ""), false, "", false));
  EXPECT_EQ(fields.count("MESSAGE"), 1u);
  EXPECT_EQ(fields["MESSAGE"], "");
}

}  // namespace
}  // namespace monitor
