#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "container/log_reader.hpp"

namespace berth::container::log_reader {
namespace {

namespace fs = std::filesystem;

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("berth-log-sources-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "ctr.log").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void append(const std::string& text) {
    std::ofstream(path_, std::ios::app) << text;
  }

  fs::path dir_;
  std::string path_;
};

TEST(ParseRecord, FieldsOfFullAndPartialRecords) {
  Record record;
  ASSERT_TRUE(parse_record("2024-01-01T00:00:00.5Z stderr P some text", record));
  EXPECT_EQ(record.timestamp, "2024-01-01T00:00:00.5Z");
  EXPECT_TRUE(record.is_stderr);
  EXPECT_TRUE(record.partial);
  EXPECT_EQ(record.text, "some text");
  ASSERT_TRUE(parse_record("2024-01-01T00:00:00Z stdout F", record));
  EXPECT_FALSE(record.is_stderr);
  EXPECT_FALSE(record.partial);
  EXPECT_EQ(record.text, "");
  EXPECT_FALSE(parse_record("garbage", record));
}

TEST_F(FileSourceTest, JoinsPartsAndKeepsLastPartial) {
  append("2024-01-01T00:00:01Z stdout P abc\n");
  append("2024-01-01T00:00:02Z stderr F err\n");
  append("2024-01-01T00:00:03Z stdout F def\n");
  append("2024-01-01T00:00:04Z stdout P tail\n");
  auto source = open_file_source(path_);
  std::vector<Entry> entries;
  source->read_available(entries, false);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].text, "err");
  EXPECT_TRUE(entries[0].is_stderr);
  EXPECT_EQ(entries[1].text, "abcdef");
  EXPECT_EQ(entries[1].timestamp, "2024-01-01T00:00:01Z");
  EXPECT_EQ(entries[1].time_ns, 1704067201'000'000'000);
  EXPECT_TRUE(entries[1].ends_line);
  // The trailing piece comes only when no more output can arrive.
  entries.clear();
  source->read_available(entries, true);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].text, "tail");
  EXPECT_FALSE(entries[0].ends_line);
}

TEST_F(FileSourceTest, WaitsForIncompleteRecord) {
  append("2024-01-01T00:00:01Z stdout F one\n2024-01-01T00:00:02Z stdout F tw");
  auto source = open_file_source(path_);
  std::vector<Entry> entries;
  source->read_available(entries, false);
  ASSERT_EQ(entries.size(), 1u);
  append("o\n");
  source->read_available(entries, false);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].text, "two");
}

TEST_F(FileSourceTest, FollowsRotation) {
  append("2024-01-01T00:00:01Z stdout F old-1\n");
  auto source = open_file_source(path_);
  std::vector<Entry> entries;
  source->read_available(entries, false);
  ASSERT_EQ(entries.size(), 1u);
  // The monitor writes a last record, then renames a new file over the path.
  append("2024-01-01T00:00:02Z stdout F old-2\n");
  std::string rotated = path_ + ".rotate";
  std::ofstream(rotated) << "2024-01-01T00:00:03Z stdout F new-1\n";
  fs::rename(rotated, path_);
  source->read_available(entries, false);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].text, "old-2");
  EXPECT_EQ(entries[2].text, "new-1");
}

TEST_F(FileSourceTest, MissingFileIsEmpty) {
  auto source = open_file_source((dir_ / "none.log").string());
  std::vector<Entry> entries;
  source->read_available(entries, true);
  EXPECT_TRUE(entries.empty());
}

}  // namespace
}  // namespace berth::container::log_reader
