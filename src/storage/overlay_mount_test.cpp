#include "storage/overlay_mount.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/layer_store.hpp"
#include "storage/test_tar.hpp"

namespace berth::storage {
namespace {

using testing::Compression;
using testing::dir;
using testing::file;
using testing::make_tar;
using testing::TarEntry;
using testing::TempDir;

std::set<std::string> list_dir(const std::string& path) {
  std::set<std::string> names;
  for (const auto& child : std::filesystem::directory_iterator(path)) {
    names.insert(child.path().filename());
  }
  return names;
}

// Mounts overlays of layers from a real LayerStore under /var/tmp. Needs root.
class OverlayMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting overlayfs needs root";
    for (const char* name : {"upper", "work", "merged"}) {
      os::make_dirs(temp_.path() + "/" + name);
    }
    merged_ = temp_.path() + "/merged";
  }

  void TearDown() override {
    if (!merged_.empty()) unmount(merged_);
  }

  std::string add_layer(const std::vector<TarEntry>& entries) {
    std::string blob = temp_.path() + "/blob";
    os::write_file_atomic(blob, make_tar(entries, Compression::kZstd));
    std::string id = sha256_digest(make_tar(entries));
    store_.add_from_blob(id, blob);
    return id;
  }

  TempDir temp_;
  LayerStore store_{temp_.path() + "/storage"};
  std::string merged_;
};

TEST_F(OverlayMountTest, WhiteoutAndOpaqueDirHideLowerContent) {
  std::string base = add_layer({dir("etc"), file("etc/motd", "hello"), file("etc/hosts", "h"),
                                dir("var"), dir("var/cache"), file("var/cache/old", "o"),
                                dir("var/cache/sub"), file("var/cache/sub/x", "x")});
  std::string top = add_layer({dir("etc"), file("etc/.wh.motd", ""), dir("var"), dir("var/cache"),
                               file("var/cache/.wh..wh..opq", ""), file("var/cache/new", "n")});
  mount_overlay({store_.lower_path(top), store_.lower_path(base)}, temp_.path() + "/upper",
                temp_.path() + "/work", merged_);

  EXPECT_FALSE(os::path_exists(merged_ + "/etc/motd"));
  EXPECT_EQ(os::read_file(merged_ + "/etc/hosts"), "h");
  EXPECT_EQ(list_dir(merged_ + "/var/cache"), std::set<std::string>{"new"});

  // Writes go to the upper directory and leave the layers untouched.
  os::write_file_atomic(merged_ + "/etc/hosts", "changed");
  EXPECT_EQ(os::read_file(temp_.path() + "/upper/etc/hosts"), "changed");
  EXPECT_EQ(os::read_file(store_.diff_path(base) + "/etc/hosts"), "h");

  unmount(merged_);
  EXPECT_FALSE(os::path_exists(merged_ + "/etc"));
  unmount(merged_);  // not mounted any more: no error
  unmount(temp_.path() + "/missing");
}

TEST_F(OverlayMountTest, ManyLayersUseRelativePaths) {
  // 45 absolute diff paths under /var/tmp take about 5.4 KiB of options, so
  // mount_overlay must pass them relative to the store's overlay directory,
  // where they take about 3.2 KiB.
  std::vector<std::string> diff_paths;
  for (int i = 0; i < 45; ++i) {
    std::string id = add_layer({file("layer" + std::to_string(i), std::to_string(i))});
    diff_paths.insert(diff_paths.begin(), store_.diff_path(id));
  }
  mount_overlay(diff_paths, temp_.path() + "/upper", temp_.path() + "/work", merged_);
  EXPECT_EQ(os::read_file(merged_ + "/layer0"), "0");
  EXPECT_EQ(os::read_file(merged_ + "/layer44"), "44");
  EXPECT_EQ(list_dir(merged_).size(), 45u);
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_NE(std::string(cwd), temp_.path() + "/storage/overlay");
}

TEST_F(OverlayMountTest, TooManyLongLowerPathsRejected) {
  // 120 diff paths exceed a page even relative to the common parent.
  std::vector<std::string> diff_paths;
  std::vector<std::string> short_paths;
  for (int i = 0; i < 120; ++i) {
    std::string id = add_layer({file("layer" + std::to_string(i), std::to_string(i))});
    diff_paths.insert(diff_paths.begin(), store_.diff_path(id));
    short_paths.insert(short_paths.begin(), store_.lower_path(id));
  }
  try {
    mount_overlay(diff_paths, temp_.path() + "/upper", temp_.path() + "/work", merged_);
    ADD_FAILURE() << "mount with over-long options succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
  }
  // The short links fit.
  mount_overlay(short_paths, temp_.path() + "/upper", temp_.path() + "/work", merged_);
  EXPECT_EQ(os::read_file(merged_ + "/layer119"), "119");
  EXPECT_EQ(list_dir(merged_).size(), 120u);
}

// Returns the super options of the mount on target from mountinfo.
std::string mount_options(const std::string& target) {
  std::istringstream lines(os::read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" " + target + " ") != std::string::npos) return line;
  }
  return "";
}

TEST_F(OverlayMountTest, VolatileUpperCanBeMountedAgain) {
  std::string base = add_layer({file("a", "base")});
  std::string upper = temp_.path() + "/upper";
  std::string work = temp_.path() + "/work";
  mount_overlay({store_.lower_path(base)}, upper, work, merged_, true);
  EXPECT_NE(mount_options(merged_).find("volatile"), std::string::npos) << mount_options(merged_);
  os::write_file_atomic(merged_ + "/b", "written");
  unmount(merged_);
  // The kernel leaves work/work/incompat/volatile behind and refuses a
  // second mount over it; mount_overlay clears it.
  EXPECT_TRUE(os::path_exists(work + "/work/incompat/volatile"));
  mount_overlay({store_.lower_path(base)}, upper, work, merged_, true);
  EXPECT_EQ(os::read_file(merged_ + "/b"), "written");
  unmount(merged_);
  // A durable mount over the same directories works too.
  mount_overlay({store_.lower_path(base)}, upper, work, merged_);
  EXPECT_EQ(mount_options(merged_).find("volatile"), std::string::npos);
  EXPECT_EQ(os::read_file(merged_ + "/a"), "base");
}

TEST_F(OverlayMountTest, ReadOnlyMountWithoutUpper) {
  std::string base = add_layer({file("a", "base")});
  std::string top = add_layer({file("b", "top")});
  mount_overlay({store_.lower_path(top), store_.lower_path(base)}, "", "", merged_);
  EXPECT_EQ(list_dir(merged_), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(::mkdir((merged_ + "/new").c_str(), 0755), -1);
  EXPECT_EQ(errno, EROFS);
}

TEST_F(OverlayMountTest, PathWithCommaRejected) {
  try {
    mount_overlay({"/var/tmp/a,b"}, "", "", merged_);
    ADD_FAILURE() << "path with a comma accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace berth::storage
