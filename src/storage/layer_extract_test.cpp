#include "storage/layer_extract.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/layer_writer.hpp"
#include "storage/test_tar.hpp"

namespace berth::storage {
namespace {

using testing::Compression;
using testing::dir;
using testing::file;
using testing::hardlink;
using testing::make_tar;
using testing::symlink;
using testing::TarEntry;
using testing::TempDir;

struct stat lstat_or_fail(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

std::string get_xattr(const std::string& path, const char* name) {
  char value[256];
  ssize_t size = ::lgetxattr(path.c_str(), name, value, sizeof value);
  if (size < 0) return "<missing>";
  return std::string(value, static_cast<size_t>(size));
}

// A layer directory with a sentinel directory beside it, so tests can check
// that an escaping entry wrote nothing outside the layer.
class LayerExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layer_ = temp_.path() + "/layer";
    outside_ = temp_.path() + "/outside";
    os::make_dirs(layer_);
    os::make_dirs(outside_);
    os::write_file_atomic(outside_ + "/secret", "secret");
  }

  std::string extract(const std::vector<TarEntry>& entries,
                      Compression compression = Compression::kNone) {
    return extract_layer_from_memory(make_tar(entries, compression), layer_);
  }

  // Expects extraction to fail with kInvalidArgument naming entry_name,
  // and the sentinel directory to be unchanged.
  void expect_rejected(const std::vector<TarEntry>& entries, const std::string& entry_name,
                       const std::string& reason = "") {
    try {
      extract(entries);
      ADD_FAILURE() << "extraction succeeded; expected rejection of " << entry_name;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find("\"" + entry_name + "\""), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
    expect_outside_unchanged();
  }

  void expect_outside_unchanged() {
    std::set<std::string> names;
    for (const auto& child : std::filesystem::directory_iterator(outside_)) {
      names.insert(child.path().filename());
    }
    EXPECT_EQ(names, std::set<std::string>{"secret"});
    EXPECT_EQ(os::read_file(outside_ + "/secret"), "secret");
    struct stat st = lstat_or_fail(outside_ + "/secret");
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_EQ(get_xattr(outside_, "trusted.overlay.opaque"), "<missing>");
  }

  TempDir temp_;
  std::string layer_;
  std::string outside_;
};

TEST(CleanEntryPath, NormalizesRelativeForms) {
  EXPECT_EQ(clean_entry_path("a/b"), "a/b");
  EXPECT_EQ(clean_entry_path("./a/./b/"), "a/b");
  EXPECT_EQ(clean_entry_path("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(clean_entry_path("a//b"), "a/b");
  EXPECT_EQ(clean_entry_path("a/../b"), "b");
  EXPECT_EQ(clean_entry_path("./"), "");
  EXPECT_EQ(clean_entry_path("/"), "");
}

TEST(CleanEntryPath, RejectsClimbingAboveRoot) {
  EXPECT_EQ(clean_entry_path(".."), std::nullopt);
  EXPECT_EQ(clean_entry_path("../x"), std::nullopt);
  EXPECT_EQ(clean_entry_path("a/../../x"), std::nullopt);
  EXPECT_EQ(clean_entry_path("/../x"), std::nullopt);
  EXPECT_EQ(clean_entry_path("./a/b/../../.."), std::nullopt);
}

TEST_F(LayerExtractTest, RegularFilesModesAndOwners) {
  auto setuid = file("bin/su", "#!/bin/sh\n", 04755);
  auto owned = file("home/user/notes", "hello", 0600);
  owned.uid = 1000;
  owned.gid = 1001;
  owned.mtime = 1'234'567'890;
  auto shared = dir("srv/shared", 02775);
  shared.gid = 50;
  extract({dir("bin"), setuid, dir("home"), dir("home/user", 0700), owned, dir("tmp", 01777),
           dir("srv"), shared});

  struct stat st = lstat_or_fail(layer_ + "/bin/su");
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(os::read_file(layer_ + "/bin/su"), "#!/bin/sh\n");

  st = lstat_or_fail(layer_ + "/home/user/notes");
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_mtime, 1'234'567'890);
  EXPECT_EQ(os::read_file(layer_ + "/home/user/notes"), "hello");

  EXPECT_EQ(lstat_or_fail(layer_ + "/home/user").st_mode & 07777, 0700u);
  EXPECT_EQ(lstat_or_fail(layer_ + "/tmp").st_mode & 07777, 01777u);
  st = lstat_or_fail(layer_ + "/srv/shared");
  EXPECT_EQ(st.st_mode & 07777, 02775u);
  EXPECT_EQ(st.st_gid, 50u);
}

TEST_F(LayerExtractTest, DirectoryTimesSetAfterContents) {
  auto etc = dir("etc");
  etc.mtime = 1'000'000'000;
  extract({etc, file("etc/hosts", "127.0.0.1 localhost\n"), file("etc/hostname", "box\n")});
  EXPECT_EQ(lstat_or_fail(layer_ + "/etc").st_mtime, 1'000'000'000);
  EXPECT_EQ(lstat_or_fail(layer_ + "/etc/hosts").st_mtime, 1'600'000'000);
}

TEST_F(LayerExtractTest, MissingParentsCreated) {
  extract({file("usr/share/doc/readme", "text")});
  struct stat st = lstat_or_fail(layer_ + "/usr/share/doc");
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(os::read_file(layer_ + "/usr/share/doc/readme"), "text");
}

TEST_F(LayerExtractTest, LeadingSlashAndDotAreRelative) {
  extract({file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n"), file("./etc/group", "root:x:0:\n")});
  EXPECT_EQ(os::read_file(layer_ + "/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  EXPECT_EQ(os::read_file(layer_ + "/etc/group"), "root:x:0:\n");
}

TEST_F(LayerExtractTest, RootEntrySetsRootMode) {
  extract({dir("./", 0751), file("a", "x")});
  EXPECT_EQ(lstat_or_fail(layer_).st_mode & 07777, 0751u);
}

TEST_F(LayerExtractTest, SymlinkKeptAsWritten) {
  auto link = symlink("bin/sh", "/bin/busybox");
  link.uid = 7;
  link.gid = 8;
  link.mtime = 1'111'111'111;
  extract({dir("bin"), file("bin/busybox", "elf", 0755), link, symlink("rel", "../../x")});
  struct stat st = lstat_or_fail(layer_ + "/bin/sh");
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_gid, 8u);
  EXPECT_EQ(st.st_mtime, 1'111'111'111);
  EXPECT_EQ(std::filesystem::read_symlink(layer_ + "/bin/sh"), "/bin/busybox");
  EXPECT_EQ(std::filesystem::read_symlink(layer_ + "/rel"), "../../x");
}

TEST_F(LayerExtractTest, HardlinkSharesInode) {
  extract({dir("bin"), file("bin/busybox", "elf", 04755), hardlink("bin/ls", "bin/busybox"),
           hardlink("/bin/cat", "/bin/busybox")});
  struct stat original = lstat_or_fail(layer_ + "/bin/busybox");
  struct stat link = lstat_or_fail(layer_ + "/bin/ls");
  EXPECT_EQ(original.st_ino, link.st_ino);
  EXPECT_EQ(original.st_nlink, 3u);
  EXPECT_EQ(link.st_mode & 07777, 04755u);
  EXPECT_EQ(lstat_or_fail(layer_ + "/bin/cat").st_ino, original.st_ino);
}

TEST_F(LayerExtractTest, HardlinkToMissingTargetRejected) {
  expect_rejected({hardlink("a", "b")}, "a", "which is not earlier in the layer");
}

TEST_F(LayerExtractTest, WhiteoutBecomesCharDevice) {
  extract({dir("etc"), file("etc/.wh.motd", "")});
  struct stat st = lstat_or_fail(layer_ + "/etc/motd");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, ::makedev(0, 0));
  EXPECT_FALSE(os::path_exists(layer_ + "/etc/.wh.motd"));
}

TEST_F(LayerExtractTest, OpaqueMarkerSetsXattr) {
  extract({dir("var"), dir("var/cache"), file("var/cache/.wh..wh..opq", ""),
           file("var/cache/new", "n"), file("var/.wh..wh.plnk", "")});
  EXPECT_EQ(get_xattr(layer_ + "/var/cache", "trusted.overlay.opaque"), "y");
  EXPECT_EQ(get_xattr(layer_ + "/var", "trusted.overlay.opaque"), "<missing>");
  EXPECT_FALSE(os::path_exists(layer_ + "/var/cache/.wh..wh..opq"));
  EXPECT_FALSE(os::path_exists(layer_ + "/var/.wh..wh.plnk"));
  EXPECT_FALSE(os::path_exists(layer_ + "/var/plnk"));
}

TEST_F(LayerExtractTest, InvalidWhiteoutRejected) { expect_rejected({file(".wh..", "")}, ".wh.."); }

TEST_F(LayerExtractTest, XattrsKeptExceptOverlayOnes) {
  auto data = file("data", "d");
  data.xattrs = {{"user.origin", "registry"}, {"trusted.overlay.redirect", "/etc"}};
  auto folder = dir("folder");
  folder.xattrs = {{"user.kind", "cache"}};
  extract({data, folder});
  EXPECT_EQ(get_xattr(layer_ + "/data", "user.origin"), "registry");
  EXPECT_EQ(get_xattr(layer_ + "/data", "trusted.overlay.redirect"), "<missing>");
  EXPECT_EQ(get_xattr(layer_ + "/folder", "user.kind"), "cache");
}

TEST_F(LayerExtractTest, DevicesAndFifos) {
  TarEntry null_device;
  null_device.path = "dev/null";
  null_device.type = S_IFCHR;
  null_device.permissions = 0666;
  null_device.rdev = ::makedev(1, 3);
  TarEntry fifo;
  fifo.path = "run/pipe";
  fifo.type = S_IFIFO;
  fifo.permissions = 0620;
  extract({null_device, fifo});
  struct stat st = lstat_or_fail(layer_ + "/dev/null");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, ::makedev(1, 3));
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  st = lstat_or_fail(layer_ + "/run/pipe");
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0620u);
}

TEST_F(LayerExtractTest, LaterEntryReplacesEarlier) {
  extract({file("a", "first"), file("a", "second"), dir("d"), file("d/x", "x"), file("d", "file")});
  EXPECT_EQ(os::read_file(layer_ + "/a"), "second");
  EXPECT_EQ(os::read_file(layer_ + "/d"), "file");
}

TEST_F(LayerExtractTest, NonAsciiNames) {
  extract({file("caf\xc3\xa9.txt", "latte")});
  EXPECT_EQ(os::read_file(layer_ + "/caf\xc3\xa9.txt"), "latte");
}

TEST_F(LayerExtractTest, DiffIdIsDigestOfUncompressedTar) {
  std::vector<TarEntry> entries = {dir("etc"), file("etc/os-release", "ID=test\n")};
  std::string tar = make_tar(entries);
  std::string expected = sha256_digest(tar);
  for (auto compression : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    TempDir target;
    std::string blob = make_tar(entries, compression);
    EXPECT_EQ(extract_layer_from_memory(blob, target.path()), expected);
    EXPECT_EQ(os::read_file(target.path() + "/etc/os-release"), "ID=test\n");
  }
}

TEST_F(LayerExtractTest, DiffIdCoversPaddingAfterEnd) {
  std::string tar = make_tar({file("a", "x")}) + std::string(8192, '\0');
  EXPECT_EQ(extract_layer_from_memory(tar, layer_), sha256_digest(tar));
}

TEST_F(LayerExtractTest, ExtractFromBlobFile) {
  std::vector<TarEntry> entries = {file("hello", "world")};
  std::string blob_path = temp_.path() + "/blob";
  os::write_file_atomic(blob_path, make_tar(entries, Compression::kGzip));
  EXPECT_EQ(extract_layer(blob_path, layer_), sha256_digest(make_tar(entries)));
  EXPECT_EQ(os::read_file(layer_ + "/hello"), "world");
}

TEST_F(LayerExtractTest, CorruptBlobRejected) {
  std::string blob = make_tar({file("big", std::string(100000, 'x'))}, Compression::kGzip);
  blob.resize(blob.size() / 2);
  try {
    extract_layer_from_memory(blob, layer_);
    ADD_FAILURE() << "truncated gzip blob was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
  }
}

TEST_F(LayerExtractTest, DotDotEntryRejected) {
  expect_rejected({file("../x", "evil")}, "../x", "escapes the layer root");
}

TEST_F(LayerExtractTest, NestedDotDotEntryRejected) {
  expect_rejected({file("a/../../outside/x", "evil")}, "a/../../outside/x");
}

TEST_F(LayerExtractTest, RootDotDotEntryRejected) {
  expect_rejected({file("/../outside/x", "evil")}, "/../outside/x");
}

TEST_F(LayerExtractTest, WriteThroughAbsoluteSymlinkRejected) {
  expect_rejected({symlink("link", outside_), file("link/file", "evil")}, "link/file",
                  "goes through symlink \"link\"");
  expect_rejected({symlink("etc", "/etc"), file("etc/passwd", "evil")}, "etc/passwd",
                  "goes through symlink \"etc\"");
}

TEST_F(LayerExtractTest, WriteThroughRelativeSymlinkRejected) {
  expect_rejected({symlink("up", "../.."), file("up/outside/file", "evil")}, "up/outside/file");
  expect_rejected({symlink("out", "../outside"), file("out/secret", "evil")}, "out/secret");
}

TEST_F(LayerExtractTest, WriteThroughNestedSymlinkRejected) {
  expect_rejected({dir("a"), symlink("a/b", "../../outside"), file("a/b/c/file", "evil")},
                  "a/b/c/file", "goes through symlink \"a/b\"");
}

TEST_F(LayerExtractTest, EntryUnderRegularFileRejected) {
  expect_rejected({file("x/y", "file"), file("x/y/z", "under")}, "x/y/z",
                  "\"x/y\" is not a directory");
}

TEST_F(LayerExtractTest, WhiteoutThroughSymlinkRejected) {
  expect_rejected({symlink("link", outside_), file("link/.wh.secret", "")}, "link/.wh.secret");
  expect_rejected({symlink("link", outside_), file("link/.wh..wh..opq", "")}, "link/.wh..wh..opq");
}

TEST_F(LayerExtractTest, HardlinkEscapeRejected) {
  expect_rejected({hardlink("passwd", "../../etc/passwd")}, "passwd", "escapes the layer root");
  expect_rejected({hardlink("secret", "../outside/secret")}, "secret");
}

TEST_F(LayerExtractTest, HardlinkThroughSymlinkRejected) {
  expect_rejected({symlink("link", outside_), hardlink("copy", "link/secret")}, "copy",
                  "goes through symlink \"link\"");
}

TEST_F(LayerExtractTest, HardlinkToEscapingSymlinkLinksSymlinkItself) {
  // linkat without AT_SYMLINK_FOLLOW: "copy" becomes a second name of the
  // symlink, never of the file outside that it points to.
  extract({symlink("s", outside_ + "/secret"), hardlink("copy", "s")});
  struct stat st = lstat_or_fail(layer_ + "/copy");
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_ino, lstat_or_fail(layer_ + "/s").st_ino);
  expect_outside_unchanged();
}

TEST_F(LayerExtractTest, EntriesReplaceSymlinksWithoutFollowing) {
  // A file or directory entry named like an earlier symlink replaces the
  // symlink; it does not write to the symlink's target.
  extract({symlink("f", outside_ + "/secret"), file("f", "replaced"), symlink("d", outside_),
           dir("d"), file("d/new", "inside")});
  EXPECT_EQ(os::read_file(layer_ + "/f"), "replaced");
  EXPECT_TRUE(S_ISDIR(lstat_or_fail(layer_ + "/d").st_mode));
  EXPECT_EQ(os::read_file(layer_ + "/d/new"), "inside");
  expect_outside_unchanged();
}

}  // namespace
}  // namespace berth::storage
