#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "os/file.hpp"
#include "volume/volume_store.hpp"

namespace berth::volume {
namespace {

// A scratch directory under /var/tmp, removed at the end of the test.
class CopyUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/var/tmp/berth-copy-up-XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
    rootfs_ = dir_ + "/rootfs";
    target_ = dir_ + "/target";
    os::make_dirs(rootfs_ + "/data/sub", 0755);
    os::make_dirs(target_, 0755);
    os::make_dirs(dir_ + "/outside", 0755);
    write(dir_ + "/outside/secret", "host secret");
  }
  void TearDown() override { os::remove_all(dir_); }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  static std::string read(const std::string& path) {
    return os::read_file_if_exists(path).value_or("<missing>");
  }

  std::string dir_, rootfs_, target_;
};

TEST_F(CopyUpTest, KeepsModesOwnersAndLinks) {
  write(rootfs_ + "/data/file", "content");
  ASSERT_EQ(::chmod((rootfs_ + "/data/file").c_str(), 0640), 0);
  ASSERT_EQ(::chown((rootfs_ + "/data/file").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::chmod((rootfs_ + "/data/sub").c_str(), 0700), 0);
  ASSERT_EQ(::chmod((rootfs_ + "/data").c_str(), 0750), 0);
  ASSERT_EQ(::symlink("/etc/passwd", (rootfs_ + "/data/abs-link").c_str()), 0);
  ASSERT_EQ(::mkfifo((rootfs_ + "/data/fifo").c_str(), 0600), 0);

  ASSERT_TRUE(copy_up(rootfs_, "/data", target_));

  struct stat st;
  ASSERT_EQ(::stat((target_ + "/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(read(target_ + "/file"), "content");
  ASSERT_EQ(::stat((target_ + "/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat(target_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u) << "the target takes the source directory's mode";
  char link[64] = {};
  ASSERT_GT(::readlink((target_ + "/abs-link").c_str(), link, sizeof link - 1), 0);
  EXPECT_STREQ(link, "/etc/passwd") << "a symlink is copied as a symlink";
  ASSERT_EQ(::lstat((target_ + "/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(CopyUpTest, SymlinkedMountPointStaysInsideRoot) {
  // /data/link points at the host's directory by absolute path: inside the
  // root it names ROOTFS/var/tmp/..., which does not exist.
  ASSERT_EQ(::symlink((dir_ + "/outside").c_str(), (rootfs_ + "/link").c_str()), 0);
  EXPECT_FALSE(copy_up(rootfs_, "/link", target_));
  EXPECT_TRUE(directory_empty(target_));
  // A relative escape through ".." is clamped at the root, too.
  ASSERT_EQ(::symlink("../../../../../../outside", (rootfs_ + "/up").c_str()), 0);
  EXPECT_FALSE(copy_up(rootfs_, "/up", target_));
  EXPECT_TRUE(directory_empty(target_));
}

TEST_F(CopyUpTest, MissingPathCopiesNothing) {
  EXPECT_FALSE(copy_up(rootfs_, "/nonexistent", target_));
  EXPECT_TRUE(directory_empty(target_));
}

TEST(ParseDriverOptions, KnownKeysAndErrors) {
  auto options = parse_driver_options({"type=tmpfs", "device=tmpfs", "o=size=1m", "o=uid=1"});
  EXPECT_EQ(options["type"], "tmpfs");
  EXPECT_EQ(options["o"], "size=1m,uid=1");
  EXPECT_THROW(parse_driver_options({"color=red"}), Error);
  EXPECT_THROW(parse_driver_options({"type"}), Error);
  EXPECT_THROW(parse_driver_options({"device=/dev/sda1"}), Error);
}

}  // namespace
}  // namespace berth::volume
