#include "container/copy.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"

namespace berth::container {
namespace {

namespace fs = std::filesystem;

class CopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/berth-copy-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ + "/root";
    outside_ = base_ + "/outside";
    fs::create_directories(root_ + "/etc");
    fs::create_directories(outside_);
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Writes source inside root as a tar and extracts it into dest inside root.
  void copy_within_root(const std::string& source, const std::string& dest) {
    auto kind = stat_copy_source(root_, source, "in the test root");
    auto target = resolve_copy_target(root_, dest, source, kind, false, "in the test root");
    std::string tar_path = base_ + "/copy.tar";
    {
      int fd = ::open(tar_path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
      ASSERT_GE(fd, 0);
      write_copy_tar(root_, source, target.top_name, fd);
      ::close(fd);
    }
    int fd = ::open(tar_path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    extract_copy_tar(fd, root_, target.directory, {});
    ::close(fd);
  }

  std::string base_;
  std::string root_;
  std::string outside_;
};

TEST_F(CopyTest, FileIntoExistingDirectory) {
  write_file(root_ + "/etc/a", "alpha");
  fs::create_directories(root_ + "/dir");
  copy_within_root("/etc/a", "/dir");
  EXPECT_EQ(read_file(root_ + "/dir/a"), "alpha");
}

TEST_F(CopyTest, DirectoryToMissingNameAndContents) {
  fs::create_directories(root_ + "/src/sub");
  write_file(root_ + "/src/sub/b", "beta");
  copy_within_root("/src", "/renamed");
  EXPECT_EQ(read_file(root_ + "/renamed/sub/b"), "beta");
  fs::create_directories(root_ + "/merged");
  copy_within_root("/src/.", "/merged");
  EXPECT_EQ(read_file(root_ + "/merged/sub/b"), "beta");
}

TEST_F(CopyTest, ModeKeptOnCopy) {
  write_file(root_ + "/etc/m", "x");
  ::chmod((root_ + "/etc/m").c_str(), 0751);
  copy_within_root("/etc/m", "/etc/m2");
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/etc/m2").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0751u);
}

TEST_F(CopyTest, SymlinkDestinationStaysInRoot) {
  // An absolute symlink to the outside directory's host path resolves
  // inside root, where that path does not exist.
  fs::create_symlink(outside_, root_ + "/escape");
  write_file(root_ + "/etc/a", "alpha");
  try {
    copy_within_root("/etc/a", "/escape/a");
    FAIL() << "expected the missing parent to fail the copy";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  EXPECT_FALSE(fs::exists(outside_ + "/a"));
}

TEST_F(CopyTest, DotDotSymlinkSourceStaysInRoot) {
  write_file(outside_ + "/secret", "secret");
  write_file(root_ + "/etc/secret", "inside");
  fs::create_symlink("../../../../outside", root_ + "/up");
  fs::create_directories(root_ + "/out");
  // "../../outside" from root resolves to root/outside, which does not exist.
  EXPECT_THROW(copy_within_root("/up/secret", "/out/s"), Error);
  EXPECT_FALSE(fs::exists(root_ + "/out/s"));
}

TEST_F(CopyTest, MissingSourceNamesPath) {
  try {
    stat_copy_source(root_, "/nope", "on container c1");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("\"/nope\" could not be found on container c1"),
              std::string::npos);
  }
}

TEST_F(CopyTest, DirectoryOntoFileRejected) {
  fs::create_directories(root_ + "/src");
  write_file(root_ + "/file", "f");
  auto kind = stat_copy_source(root_, "/src", "here");
  EXPECT_THROW(resolve_copy_target(root_, "/file", "/src", kind, false, "here"), Error);
  auto target = resolve_copy_target(root_, "/file", "/src", kind, true, "here");
  EXPECT_EQ(target.directory, "/");
  EXPECT_EQ(target.top_name, "file");
}

TEST_F(CopyTest, FileToMissingDirectorySlashRejected) {
  write_file(root_ + "/etc/a", "alpha");
  auto kind = stat_copy_source(root_, "/etc/a", "here");
  EXPECT_THROW(resolve_copy_target(root_, "/newdir/", "/etc/a", kind, false, "here"), Error);
}

}  // namespace
}  // namespace berth::container
