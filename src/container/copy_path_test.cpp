#include "container/copy_path.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"

namespace berth::container {
namespace {

namespace fs = std::filesystem;

// A root file system with /data a named volume, /bind a read-only bind
// mount, /data/inner a bind mount nested in the volume and /etc/app.conf a
// file bind mount.
class CopyPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/berth-copy-path-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    rootfs_ = base_ + "/rootfs";
    volume_ = base_ + "/volume";
    bind_ = base_ + "/bind";
    inner_ = base_ + "/inner";
    for (const auto& dir : {rootfs_ + "/etc/app", rootfs_ + "/data", rootfs_ + "/bind", volume_,
                            bind_, inner_}) {
      fs::create_directories(dir);
    }
    std::ofstream(base_ + "/app.conf") << "conf";
    mounts_ = {{"/data", volume_, false},
               {"/bind", bind_, true},
               {"/data/inner", inner_, false},
               {"/etc/app.conf", base_ + "/app.conf", false}};
  }
  void TearDown() override { fs::remove_all(base_); }

  CopyLocation resolve(const std::string& path, bool follow_last = false) {
    return resolve_container_path(rootfs_, mounts_, path, follow_last);
  }

  std::string base_, rootfs_, volume_, bind_, inner_;
  std::vector<CopyMount> mounts_;
};

TEST_F(CopyPathTest, RootFileSystemPath) {
  auto location = resolve("/etc/app");
  EXPECT_EQ(location.root, rootfs_);
  EXPECT_EQ(location.path, "/etc/app");
  EXPECT_EQ(location.mount_destination, "");
  EXPECT_FALSE(location.read_only);
}

TEST_F(CopyPathTest, VolumeMountPoint) {
  auto location = resolve("/data");
  EXPECT_EQ(location.root, volume_);
  EXPECT_EQ(location.path, "/");
  EXPECT_EQ(location.mount_destination, "/data");
}

TEST_F(CopyPathTest, NestedPathInVolume) {
  auto location = resolve("/data/sub/dir/file");
  EXPECT_EQ(location.root, volume_);
  EXPECT_EQ(location.path, "/sub/dir/file");
}

TEST_F(CopyPathTest, DeepestMountWins) {
  auto location = resolve("/data/inner/x");
  EXPECT_EQ(location.root, inner_);
  EXPECT_EQ(location.path, "/x");
  EXPECT_EQ(location.mount_destination, "/data/inner");
}

TEST_F(CopyPathTest, ReadOnlyBindMount) {
  auto location = resolve("/bind/new");
  EXPECT_EQ(location.root, bind_);
  EXPECT_EQ(location.path, "/new");
  EXPECT_TRUE(location.read_only);
}

TEST_F(CopyPathTest, TrailingSlashAndDotKept) {
  EXPECT_EQ(resolve("/data/").path, "/");
  EXPECT_EQ(resolve("/data/.").path, "/.");
  EXPECT_EQ(resolve("/data/sub/").path, "/sub/");
  EXPECT_EQ(resolve("/data/sub/.").path, "/sub/.");
}

TEST_F(CopyPathTest, DotDotStaysInContainer) {
  auto location = resolve("/data/../../../etc/app");
  EXPECT_EQ(location.root, rootfs_);
  EXPECT_EQ(location.path, "/etc/app");
}

TEST_F(CopyPathTest, SymlinkInVolumeLeadsToRootFileSystem) {
  fs::create_symlink("/etc/app", volume_ + "/link");
  auto followed = resolve("/data/link", true);
  EXPECT_EQ(followed.root, rootfs_);
  EXPECT_EQ(followed.path, "/etc/app");
  auto through = resolve("/data/link/file");
  EXPECT_EQ(through.root, rootfs_);
  EXPECT_EQ(through.path, "/etc/app/file");
}

TEST_F(CopyPathTest, LastSymlinkNotFollowedByDefault) {
  fs::create_symlink("/etc/app", volume_ + "/link");
  auto location = resolve("/data/link");
  EXPECT_EQ(location.root, volume_);
  EXPECT_EQ(location.path, "/link");
}

TEST_F(CopyPathTest, RelativeSymlinkIntoVolume) {
  fs::create_symlink("../data/sub", rootfs_ + "/etc/to-data");
  auto location = resolve("/etc/to-data/file");
  EXPECT_EQ(location.root, volume_);
  EXPECT_EQ(location.path, "/sub/file");
}

TEST_F(CopyPathTest, SymlinkEscapeStaysInContainer) {
  // "../../.." from the volume's top reaches the container's "/", never the
  // host directory above the volume.
  fs::create_symlink("../../../../etc/app", volume_ + "/up");
  auto location = resolve("/data/up", true);
  EXPECT_EQ(location.root, rootfs_);
  EXPECT_EQ(location.path, "/etc/app");
}

TEST_F(CopyPathTest, FileBindMount) {
  auto location = resolve("/etc/app.conf");
  EXPECT_EQ(location.root, base_);
  EXPECT_EQ(location.path, "/app.conf");
}

TEST_F(CopyPathTest, SymlinkLoopRejected) {
  fs::create_symlink("/data/b", volume_ + "/a");
  fs::create_symlink("/data/a", volume_ + "/b");
  try {
    resolve("/data/a", true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(CopyPathTest, UnreachableMountHasEmptyRoot) {
  mounts_.push_back({"/tmp", "", false});
  auto location = resolve("/tmp/x");
  EXPECT_EQ(location.root, "");
  EXPECT_EQ(location.mount_destination, "/tmp");
}

TEST_F(CopyPathTest, MissingComponentsKept) {
  auto location = resolve("/data/missing/deeper/file", true);
  EXPECT_EQ(location.root, volume_);
  EXPECT_EQ(location.path, "/missing/deeper/file");
}

}  // namespace
}  // namespace berth::container
