#include "storage/tar_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace berth::storage {
namespace {

// An entry as libarchive's reader returns it.
struct ReadEntry {
  std::string path;
  unsigned type;
  unsigned permissions;
  std::int64_t uid;
  std::int64_t mtime;
  std::string link;
  std::string data;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

std::vector<ReadEntry> read_tar(const std::string& tar) {
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  EXPECT_EQ(archive_read_open_memory(reader, tar.data(), tar.size()), ARCHIVE_OK);
  std::vector<ReadEntry> entries;
  archive_entry* entry;
  int status;
  while ((status = archive_read_next_header(reader, &entry)) == ARCHIVE_OK) {
    ReadEntry read{archive_entry_pathname(entry),
                   archive_entry_filetype(entry),
                   archive_entry_perm(entry),
                   archive_entry_uid(entry),
                   archive_entry_mtime(entry),
                   {},
                   {},
                   {}};
    if (const char* link = archive_entry_hardlink(entry)) read.link = link;
    if (const char* link = archive_entry_symlink(entry)) read.link = link;
    char buffer[4096];
    la_ssize_t n;
    while ((n = archive_read_data(reader, buffer, sizeof buffer)) > 0) read.data.append(buffer, n);
    archive_entry_xattr_reset(entry);
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
      read.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
    entries.push_back(std::move(read));
  }
  EXPECT_EQ(status, ARCHIVE_EOF) << archive_error_string(reader);
  archive_read_free(reader);
  return entries;
}

std::string write_entries(const std::vector<std::pair<TarWriterEntry, std::string>>& entries) {
  std::string tar;
  TarWriter writer([&tar](std::string_view data) { tar.append(data); });
  for (const auto& [entry, data] : entries) {
    writer.write_header(entry);
    if (!data.empty()) writer.write_data(data);
  }
  writer.finish();
  return tar;
}

TarWriterEntry regular(std::string path, std::uint64_t size) {
  TarWriterEntry entry;
  entry.path = std::move(path);
  entry.size = size;
  entry.mtime = 1'600'000'000;
  return entry;
}

TEST(TarWriterTest, ShortEntriesNeedNoPaxHeader) {
  TarWriterEntry dir;
  dir.path = "etc";
  dir.type = '5';
  dir.permissions = 0755;
  std::string tar = write_entries({{dir, ""}, {regular("etc/hostname", 4), "box\n"}});
  EXPECT_EQ(tar.size(), 512u * 5);  // two headers, one data block, two zero blocks
  auto entries = read_tar(tar);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "etc/");
  EXPECT_EQ(entries[0].type, static_cast<unsigned>(AE_IFDIR));
  EXPECT_EQ(entries[0].permissions, 0755u);
  EXPECT_EQ(entries[1].path, "etc/hostname");
  EXPECT_EQ(entries[1].data, "box\n");
  EXPECT_EQ(entries[1].mtime, 1'600'000'000);
}

TEST(TarWriterTest, LongPathSplitsIntoUstarPrefix) {
  std::string path = std::string(120, 'd') + "/file";
  std::string tar = write_entries({{regular(path, 1), "x"}});
  EXPECT_EQ(tar.find("PaxHeaders"), std::string::npos);
  auto entries = read_tar(tar);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].path, path);
}

TEST(TarWriterTest, UnsplittablePathUsesPax) {
  std::string path = "d/" + std::string(180, 'f');
  TarWriterEntry link;
  link.path = "link";
  link.type = '2';
  link.permissions = 0777;
  link.link_target = std::string(300, 't');
  std::string tar = write_entries({{regular(path, 2), "hi"}, {link, ""}});
  auto entries = read_tar(tar);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, path);
  EXPECT_EQ(entries[0].data, "hi");
  EXPECT_EQ(entries[1].link, link.link_target);
}

TEST(TarWriterTest, PaxRecordLengthCountsItsOwnDigits) {
  // Records of 99 to 101 and 999 to 1001 bytes change the digit count.
  for (std::size_t size = 985; size < 1000; ++size) {
    std::string path = "d/" + std::string(size, 'p');
    auto entries = read_tar(write_entries({{regular(path, 0), ""}}));
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].path, path);
  }
  for (std::size_t size : {70, 71, 72, 73, 74, 75, 76, 77, 78, 970, 971, 972, 973, 974, 975}) {
    TarWriterEntry entry = regular("x", 0);
    entry.xattrs = {{"user.big", std::string(size, 'v')}};
    auto entries = read_tar(write_entries({{entry, ""}}));
    ASSERT_EQ(entries.size(), 1u);
    ASSERT_EQ(entries[0].xattrs.size(), 1u);
    EXPECT_EQ(entries[0].xattrs[0].second.size(), size);
  }
}

TEST(TarWriterTest, LargeIdsAndXattrs) {
  TarWriterEntry entry = regular("f", 0);
  entry.uid = 100'000'000;
  entry.permissions = 04755;
  entry.xattrs = {{"security.capability", std::string("\1\0\0\2", 4)}, {"user.a", "b"}};
  auto entries = read_tar(write_entries({{entry, ""}}));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].uid, 100'000'000);
  EXPECT_EQ(entries[0].permissions, 04755u);
  // libarchive returns xattrs in its own order.
  auto read_xattrs = entries[0].xattrs;
  std::sort(read_xattrs.begin(), read_xattrs.end());
  auto written_xattrs = entry.xattrs;
  std::sort(written_xattrs.begin(), written_xattrs.end());
  EXPECT_EQ(read_xattrs, written_xattrs);
}

TEST(TarWriterTest, ShortDataFails) {
  std::string tar;
  TarWriter writer([&tar](std::string_view data) { tar.append(data); });
  writer.write_header(regular("f", 10));
  writer.write_data("12345");
  EXPECT_THROW(writer.finish(), Error);
}

TEST(TarWriterTest, ExtraDataFails) {
  std::string tar;
  TarWriter writer([&tar](std::string_view data) { tar.append(data); });
  writer.write_header(regular("f", 2));
  EXPECT_THROW(writer.write_data("123"), Error);
}

}  // namespace
}  // namespace berth::storage
