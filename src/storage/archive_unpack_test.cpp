#include "storage/archive_unpack.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/test_tar.hpp"

namespace berth::storage {
namespace {

using testing::Compression;
using testing::TempDir;

// Returns a readable fd that contains data.
os::Fd memory_file(const std::string& data) {
  os::Fd fd(::memfd_create("archive-unpack-test", MFD_CLOEXEC));
  os::write_all(fd.get(), data);
  ::lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

std::string unpack_error(const std::string& data, const std::string& dir) {
  auto fd = memory_file(data);
  try {
    unpack_image_archive(fd.get(), dir);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  return "";
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

TEST(UnpackImageArchive, WritesFilesAndDirectories) {
  TempDir dir;
  auto tar = testing::make_tar({testing::file("./manifest.json", "[]"), testing::dir("abc"),
                                testing::file("abc/VERSION", "1.0"),
                                testing::file("blobs/sha256/ff", "blob")});
  auto fd = memory_file(tar);
  unpack_image_archive(fd.get(), dir.path());
  EXPECT_EQ(os::read_file(dir.path() + "/manifest.json"), "[]");
  EXPECT_EQ(os::read_file(dir.path() + "/abc/VERSION"), "1.0");
  EXPECT_EQ(os::read_file(dir.path() + "/blobs/sha256/ff"), "blob");
}

TEST(UnpackImageArchive, ReadsGzipAndZstdArchives) {
  for (auto compression : {Compression::kGzip, Compression::kZstd}) {
    TempDir dir;
    auto fd = memory_file(testing::make_tar({testing::file("a", "x")}, compression));
    unpack_image_archive(fd.get(), dir.path());
    EXPECT_EQ(os::read_file(dir.path() + "/a"), "x");
  }
}

TEST(UnpackImageArchive, LinksBecomeHardlinks) {
  TempDir dir;
  auto tar = testing::make_tar({testing::file("22.tar", "layer"), testing::dir("legacy"),
                                testing::symlink("legacy/layer.tar", "../22.tar"),
                                testing::hardlink("copy.tar", "22.tar"),
                                testing::symlink("dangling", "missing.tar")});
  auto fd = memory_file(tar);
  unpack_image_archive(fd.get(), dir.path());
  EXPECT_EQ(os::read_file(dir.path() + "/legacy/layer.tar"), "layer");
  EXPECT_EQ(inode_of(dir.path() + "/legacy/layer.tar"), inode_of(dir.path() + "/22.tar"));
  EXPECT_EQ(inode_of(dir.path() + "/copy.tar"), inode_of(dir.path() + "/22.tar"));
  struct stat st;
  EXPECT_NE(::lstat((dir.path() + "/dangling").c_str(), &st), 0) << "dangling links are skipped";
}

TEST(UnpackImageArchive, RejectsEscapingEntries) {
  TempDir dir;
  std::string parent = dir.path() + "/inner";
  ::mkdir(parent.c_str(), 0700);
  auto message = unpack_error(testing::make_tar({testing::file("../evil", "x")}), parent);
  EXPECT_NE(message.find("leads outside the archive"), std::string::npos) << message;
  EXPECT_FALSE(os::path_exists(dir.path() + "/evil"));
  message = unpack_error(testing::make_tar({testing::symlink("link", "../../etc/passwd")}), parent);
  EXPECT_NE(message.find("outside the archive"), std::string::npos) << message;
  message = unpack_error(testing::make_tar({testing::symlink("link", "/etc/passwd")}), parent);
  EXPECT_NE(message.find("outside the archive"), std::string::npos) << message;
}

TEST(UnpackImageArchive, RejectsNonTarInput) {
  TempDir dir;
  auto message = unpack_error(std::string(2000, 'z'), dir.path());
  EXPECT_NE(message.find("invalid archive"), std::string::npos) << message;
  message = unpack_error("", dir.path());
  EXPECT_NE(message.find("invalid archive"), std::string::npos) << message;
}

TEST(UnpackImageArchive, RejectsTruncatedArchive) {
  TempDir dir;
  auto tar = testing::make_tar({testing::file("big", std::string(100000, 'b'))});
  auto message = unpack_error(tar.substr(0, 4096), dir.path());
  EXPECT_NE(message.find("invalid archive"), std::string::npos) << message;
}

}  // namespace
}  // namespace berth::storage
