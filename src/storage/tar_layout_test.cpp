#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/layer_extract.hpp"
#include "storage/layer_store.hpp"
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
using testing::TarFormat;
using testing::TempDir;

std::string sha256_of_file(const std::string& path) {
  os::Fd fd = os::open_file(path, O_RDONLY);
  Sha256 sha256;
  std::string buffer(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n <= 0) break;
    sha256.update(buffer.data(), static_cast<std::size_t>(n));
  }
  return "sha256:" + sha256.hex_final();
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string data(size, '\0');
  for (auto& byte : data) byte = static_cast<char>(generator());
  return data;
}

// A ustar header written by hand, for streams libarchive's writer does not
// produce: base-256 sizes, duplicate paths, old type flags.
std::string ustar_header(const std::string& name, char type, std::uint64_t size,
                         bool base256_size = false) {
  std::string block(512, '\0');
  std::memcpy(block.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  std::snprintf(block.data() + 100, 8, "%07o", 0644);
  std::snprintf(block.data() + 108, 8, "%07o", 0);
  std::snprintf(block.data() + 116, 8, "%07o", 0);
  if (base256_size) {
    block[124] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) block[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
  } else {
    std::snprintf(block.data() + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  }
  std::snprintf(block.data() + 136, 12, "%011o", 1'600'000'000);
  block[156] = type;
  std::memcpy(block.data() + 257, "ustar\0" "00", 8);
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char byte : block) sum += byte;
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  return block;
}

std::string padded(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

std::string end_of_archive() { return std::string(1024, '\0'); }

// A pax extended header entry setting path, then the header it applies to
// follows.
std::string pax_path_entry(const std::string& path) {
  std::string record = " path=" + path + "\n";
  std::size_t length = record.size() + 2;
  if (std::to_string(length).size() != 2) ADD_FAILURE() << "path too long for this helper";
  record = std::to_string(length) + record;
  return ustar_header("PaxHeaders/x", 'x', record.size()) + padded(record);
}

// A GNU long-name entry, 'L', whose data is the NUL-terminated name.
std::string gnu_long_name_entry(const std::string& path) {
  return ustar_header("././@LongLink", 'L', path.size() + 1) + padded(path + '\0');
}

class TarLayoutTest : public ::testing::Test {
 protected:
  TarLayoutTest() : store_(temp_.path() + "/storage") {}

  // Adds the uncompressed tar stream tar, stored as a blob compressed with
  // compression (already compressed blobs pass kNone), and returns its
  // diff ID.
  std::string add(const std::string& blob, const std::string& tar) {
    std::string blob_path = temp_.path() + "/blob-" + std::to_string(++blobs_);
    os::write_file_atomic(blob_path, blob);
    std::string id = sha256_digest(tar);
    store_.add_from_blob(id, blob_path);
    return id;
  }

  std::string add_entries(const std::vector<TarEntry>& entries, Compression compression,
                          TarFormat format = TarFormat::kPax) {
    return add(make_tar(entries, compression, format),
               make_tar(entries, Compression::kNone, format));
  }

  std::string add_stream(const std::string& tar) { return add(tar, tar); }

  std::uintmax_t layout_size(const std::string& id) {
    return std::filesystem::file_size(store_.diff_path(id) + "/../tar-layout.zst");
  }

  // Runs write_tar into a file and returns that file's path.
  std::string write_tar(const std::string& id) {
    std::string path = temp_.path() + "/out-" + std::to_string(++outputs_) + ".tar";
    os::Fd out = os::open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    store_.write_tar(id, out.get());
    return path;
  }

  // Expects write_tar to throw Error{code} with a message containing text.
  void expect_write_tar_fails(const std::string& id, ErrorCode code, const std::string& text) {
    try {
      write_tar(id);
      ADD_FAILURE() << "write_tar succeeded; expected an error containing " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  }

  TempDir temp_;
  LayerStore store_;
  int blobs_ = 0;
  int outputs_ = 0;
};

// The entries of a typical layer, covering every entry kind and header
// extension libarchive's pax writer produces.
std::vector<TarEntry> mixed_layer() {
  std::string long_dir = "usr/share/" + std::string(90, 'd');
  std::string long_name = long_dir + "/" + std::string(120, 'f') + ".txt";
  TarEntry setuid = file("usr/bin/su", "#!/bin/true\n", 04755);
  TarEntry with_xattrs = file("usr/bin/ping", "ping", 0755);
  with_xattrs.xattrs = {{"user.comment", "hello"}, {"user.binary", std::string("\0\1\2", 3)}};
  TarEntry device;
  device.path = "dev/null";
  device.type = S_IFCHR;
  device.permissions = 0666;
  device.rdev = ::makedev(1, 3);
  TarEntry fifo;
  fifo.path = "run/fifo";
  fifo.type = S_IFIFO;
  TarEntry owned = file("home/user/notes", "notes\n", 0600);
  owned.uid = 1000;
  owned.gid = 1000;
  return {
      dir("etc"),
      file("etc/hostname", "box\n"),
      file("etc/empty", ""),
      dir("usr"),
      dir("usr/bin"),
      setuid,
      with_xattrs,
      hardlink("usr/bin/sudo", "usr/bin/su"),
      symlink("usr/bin/sh", "/bin/busybox"),
      symlink("usr/lib64", "lib"),
      dir("usr/share"),
      dir(long_dir),
      file(long_name, "long name content"),
      symlink(long_dir + "/link", "../" + std::string(150, 't')),
      file("exact.bin", random_bytes(4096, 2)),
      dir("var"),
      file("var/.wh.cache", ""),
      dir("opt"),
      file("opt/.wh..wh..opq", ""),
      file("opt/kept", "kept"),
      dir("dev"),
      device,
      dir("run"),
      fifo,
      dir("home"),
      dir("home/user", 0700),
      owned,
      // Last, so that a parser that lost track of the entries before it
      // would store its content in the layout.
      file("big.bin", random_bytes(2 * 1024 * 1024 + 17, 1)),
  };
}

class TarLayoutCompressionTest : public TarLayoutTest,
                                 public ::testing::WithParamInterface<Compression> {};

TEST_P(TarLayoutCompressionTest, PaxLayerRoundTrips) {
  std::string id = add_entries(mixed_layer(), GetParam());
  EXPECT_TRUE(store_.has_tar_layout(id));
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
  EXPECT_LT(layout_size(id), 16 * 1024u);
}

TEST_P(TarLayoutCompressionTest, GnuLayerRoundTrips) {
  std::vector<TarEntry> entries = mixed_layer();
  // libarchive's GNU writer stores no xattrs.
  for (auto& entry : entries) entry.xattrs.clear();
  std::string id = add_entries(entries, GetParam(), TarFormat::kGnu);
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
  EXPECT_LT(layout_size(id), 16 * 1024u);
}

INSTANTIATE_TEST_SUITE_P(Blobs, TarLayoutCompressionTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kZstd));

class TarLayoutFormatTest : public TarLayoutTest,
                            public ::testing::WithParamInterface<TarFormat> {};

// Changing any regular file with content must break write_tar, which shows
// that the layout refers to each one by its full name instead of storing
// its content.
TEST_P(TarLayoutFormatTest, LayoutRefersToEveryFile) {
  std::vector<TarEntry> entries = mixed_layer();
  for (auto& entry : entries) entry.xattrs.clear();
  std::string id = add_entries(entries, Compression::kGzip, GetParam());
  int checked = 0;
  for (const auto& entry : entries) {
    bool whiteout = entry.path.find(".wh.") != std::string::npos;
    if (entry.type != S_IFREG || !entry.hardlink.empty() || entry.data.empty() || whiteout) {
      continue;
    }
    std::string path = store_.diff_path(id) + "/" + entry.path;
    std::string changed = entry.data;
    changed[0] = static_cast<char>(changed[0] ^ 1);
    os::write_file_atomic(path, changed);
    expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"" + entry.path + "\"");
    os::write_file_atomic(path, entry.data);
    ++checked;
  }
  EXPECT_EQ(checked, 8);
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
}

INSTANTIATE_TEST_SUITE_P(Formats, TarLayoutFormatTest,
                         ::testing::Values(TarFormat::kPax, TarFormat::kGnu));

TEST_F(TarLayoutTest, LayoutStoresNoFileContent) {
  std::string big = random_bytes(2 * 1024 * 1024, 3);
  std::string id = add_entries({file("big.bin", big)}, Compression::kGzip);
  std::string layout = store_.diff_path(id) + "/../tar-layout.zst";
  ASSERT_TRUE(os::path_exists(layout));
  // Random content does not compress: a layout holding it would be larger.
  EXPECT_LT(std::filesystem::file_size(layout), 4096u);
}

TEST_F(TarLayoutTest, Base256SizeRoundTrips) {
  std::string tar = ustar_header("a.txt", '0', 5, true) + padded("hello") +
                    ustar_header("b.txt", '0', 3) + padded("abc") + end_of_archive();
  std::string id = add_stream(tar);
  EXPECT_EQ(os::read_file(store_.diff_path(id) + "/a.txt"), "hello");
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
  os::write_file_atomic(store_.diff_path(id) + "/b.txt", "xyz");
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"b.txt\"");
}

TEST_F(TarLayoutTest, OldTypeFlagAndTrailingBytesRoundTrip) {
  // Type flag NUL is a regular file in pre-POSIX tars. After the
  // end-of-archive blocks come the zero padding of a 10240-byte record and
  // bytes no reader looks at, which the diff ID still covers.
  std::string tar = ustar_header("old.txt", '\0', 4) + padded("old!") + end_of_archive();
  tar.resize(10240, '\0');
  tar += "trailing bytes";
  std::string id = add_stream(tar);
  EXPECT_EQ(os::read_file(store_.diff_path(id) + "/old.txt"), "old!");
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
  os::write_file_atomic(store_.diff_path(id) + "/old.txt", "new!");
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"old.txt\"");
}

TEST_F(TarLayoutTest, MissingEndOfArchiveRoundTrips) {
  std::string tar = ustar_header("a.txt", '0', 2) + padded("hi");
  std::string id = add_stream(tar);
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
}

// Both orders of a GNU long name and a pax path for one entry: the layout
// must name the file that libarchive extracted.
TEST_F(TarLayoutTest, GnuNameThenPaxPathRoundTrips) {
  std::string tar = gnu_long_name_entry("gnu-name") + pax_path_entry("pax-name") +
                    ustar_header("header-name", '0', 4) + padded("data") + end_of_archive();
  std::string id = add_stream(tar);
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
}

TEST_F(TarLayoutTest, PaxPathThenGnuNameRoundTrips) {
  std::string tar = pax_path_entry("pax-name") + gnu_long_name_entry("gnu-name") +
                    ustar_header("header-name", '0', 4) + padded("data") + end_of_archive();
  std::string id = add_stream(tar);
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
}

TEST_F(TarLayoutTest, SameContentTwiceRoundTrips) {
  std::string tar = ustar_header("a.txt", '0', 4) + padded("same") + ustar_header("a.txt", '0', 4) +
                    padded("same") + end_of_archive();
  std::string id = add_stream(tar);
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
}

TEST_F(TarLayoutTest, OverwrittenPathFailsClearly) {
  std::string tar = ustar_header("a.txt", '0', 5) + padded("first") +
                    ustar_header("a.txt", '0', 5) + padded("later") + end_of_archive();
  std::string id = add_stream(tar);
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"a.txt\"");
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "more than once");
}

TEST_F(TarLayoutTest, WhiteoutWithDataRoundTrips) {
  // A whiteout becomes a device on disk, so its data, when a writer put
  // some, has to come from the layout.
  std::string tar = ustar_header(".wh.gone", '0', 3) + padded("odd") +
                    ustar_header("after.txt", '0', 5) + padded("after") + end_of_archive();
  std::string id = add_stream(tar);
  EXPECT_EQ(sha256_of_file(write_tar(id)), id);
  // The entry after it is still found.
  os::write_file_atomic(store_.diff_path(id) + "/after.txt", "AFTER");
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"after.txt\"");
}

TEST_F(TarLayoutTest, ChangedContentFails) {
  std::string id = add_entries({file("etc/passwd", "root:x:0:0\n")}, Compression::kGzip);
  os::write_file_atomic(store_.diff_path(id) + "/etc/passwd", "evil:x:0:0\n");
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"etc/passwd\"");
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "pull it again");
}

TEST_F(TarLayoutTest, ChangedSizeFails) {
  std::string id = add_entries({file("a", "12345")}, Compression::kGzip);
  os::write_file_atomic(store_.diff_path(id) + "/a", "123");
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "changed size from 5 to 3 bytes");
}

TEST_F(TarLayoutTest, RemovedFileFails) {
  std::string id = add_entries({dir("d"), file("d/a", "x")}, Compression::kGzip);
  ASSERT_EQ(::unlink((store_.diff_path(id) + "/d/a").c_str()), 0);
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"d/a\" in the layer was removed");
}

TEST_F(TarLayoutTest, SymlinkedParentIsNotFollowed) {
  std::string id = add_entries({dir("d"), file("d/a", "x")}, Compression::kGzip);
  std::string outside = temp_.path() + "/outside";
  os::make_dirs(outside);
  os::write_file_atomic(outside + "/a", "x");
  os::remove_all(store_.diff_path(id) + "/d");
  ASSERT_EQ(::symlink(outside.c_str(), (store_.diff_path(id) + "/d").c_str()), 0);
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "\"d/a\"");
}

TEST_F(TarLayoutTest, CorruptLayoutFails) {
  std::string id = add_entries({file("a", "x")}, Compression::kGzip);
  std::string layout = store_.diff_path(id) + "/../tar-layout.zst";
  std::string data = os::read_file(layout);
  os::write_file_atomic(layout, data.substr(0, data.size() / 2));
  expect_write_tar_fails(id, ErrorCode::kDigestMismatch, "is corrupt");
}

TEST_F(TarLayoutTest, MissingLayoutIsConflict) {
  std::string id = add_entries({file("a", "x")}, Compression::kGzip);
  ASSERT_EQ(::unlink((store_.diff_path(id) + "/../tar-layout.zst").c_str()), 0);
  EXPECT_FALSE(store_.has_tar_layout(id));
  expect_write_tar_fails(id, ErrorCode::kConflict, "no tar layout");
}

TEST_F(TarLayoutTest, AbsentLayerIsNotFound) {
  std::string id = sha256_digest("absent");
  EXPECT_FALSE(store_.has_tar_layout(id));
  expect_write_tar_fails(id, ErrorCode::kNotFound, id);
  try {
    store_.write_tar_from_diff(id, STDOUT_FILENO);
    ADD_FAILURE() << "write_tar_from_diff of an absent layer succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

// A file's metadata and content in a diff directory.
struct FileState {
  mode_t mode;
  uid_t uid;
  gid_t gid;
  dev_t rdev;
  time_t mtime;
  std::string content;  // file data or symlink target
  std::map<std::string, std::string> xattrs;
  nlink_t links;
};

std::map<std::string, FileState> tree_state(const std::string& root) {
  std::map<std::string, FileState> state;
  for (const auto& item : std::filesystem::recursive_directory_iterator(root)) {
    std::string path = item.path();
    struct stat st;
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    FileState file{st.st_mode, st.st_uid, st.st_gid, st.st_rdev, st.st_mtim.tv_sec, {}, {}, 0};
    if (S_ISREG(st.st_mode)) {
      file.content = os::read_file(path);
      file.links = st.st_nlink;
    }
    if (S_ISLNK(st.st_mode)) file.content = std::filesystem::read_symlink(path);
    char names[4096];
    ssize_t size = ::llistxattr(path.c_str(), names, sizeof names);
    for (ssize_t i = 0; i < size; i += static_cast<ssize_t>(std::strlen(names + i)) + 1) {
      char value[4096];
      ssize_t length = ::lgetxattr(path.c_str(), names + i, value, sizeof value);
      file.xattrs[names + i] = length < 0 ? "<error>" : std::string(value, length);
    }
    state[path.substr(root.size())] = file;
  }
  return state;
}

void expect_same_trees(const std::string& expected_root, const std::string& actual_root) {
  auto expected = tree_state(expected_root);
  auto actual = tree_state(actual_root);
  for (const auto& [path, want] : expected) {
    auto found = actual.find(path);
    if (found == actual.end()) {
      ADD_FAILURE() << path << " is missing";
      continue;
    }
    const FileState& got = found->second;
    EXPECT_EQ(got.mode, want.mode) << path;
    EXPECT_EQ(got.uid, want.uid) << path;
    EXPECT_EQ(got.gid, want.gid) << path;
    EXPECT_EQ(got.rdev, want.rdev) << path;
    EXPECT_EQ(got.mtime, want.mtime) << path;
    EXPECT_EQ(got.content, want.content) << path;
    EXPECT_EQ(got.xattrs, want.xattrs) << path;
    EXPECT_EQ(got.links, want.links) << path;
  }
  for (const auto& [path, got] : actual) {
    EXPECT_TRUE(expected.count(path)) << path << " is extra";
  }
}

TEST_F(TarLayoutTest, TarFromDiffExtractsToSameFiles) {
  std::string id = add_entries(mixed_layer(), Compression::kGzip);
  std::string diff = store_.diff_path(id);
  struct stat st;
  ASSERT_EQ(::lstat((diff + "/var/cache").c_str(), &st), 0);
  ASSERT_TRUE(S_ISCHR(st.st_mode));

  std::string tar_path = temp_.path() + "/from-diff.tar";
  std::string digest;
  {
    os::Fd out = os::open_file(tar_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    digest = store_.write_tar_from_diff(id, out.get());
  }
  EXPECT_EQ(digest, sha256_of_file(tar_path));

  std::string tar = os::read_file(tar_path);
  EXPECT_NE(tar.find(".wh.cache"), std::string::npos);
  EXPECT_NE(tar.find("opt/.wh..wh..opq"), std::string::npos);
  EXPECT_EQ(tar.find("trusted.overlay"), std::string::npos);

  std::string again = temp_.path() + "/again";
  os::make_dirs(again);
  EXPECT_EQ(extract_layer(tar_path, again), digest);
  expect_same_trees(diff, again);
}

TEST_F(TarLayoutTest, TarFromDiffIsRepeatable) {
  std::string id = add_entries(mixed_layer(), Compression::kZstd);
  os::Fd null = os::open_file("/dev/null", O_WRONLY);
  EXPECT_EQ(store_.write_tar_from_diff(id, null.get()), store_.write_tar_from_diff(id, null.get()));
}

// Checks every layer of a real store, for example one filled with
//   berth --root /var/tmp/berth-root pull --tls-verify=false 127.0.0.1:5000/layered:latest
// and BERTH_TEST_LAYER_STORE=/var/tmp/berth-root/storage.
TEST(TarLayoutStoreTest, StoreLayersRoundTrip) {
  const char* root = std::getenv("BERTH_TEST_LAYER_STORE");
  if (root == nullptr) GTEST_SKIP() << "BERTH_TEST_LAYER_STORE is not set";
  LayerStore store(root);
  TempDir temp;
  auto layers = store.list();
  EXPECT_FALSE(layers.empty()) << "no layers under " << root;
  for (const auto& id : layers) {
    ASSERT_TRUE(store.has_tar_layout(id)) << id;
    std::string path = temp.path() + "/layer.tar";
    {
      os::Fd out = os::open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      store.write_tar(id, out.get());
    }
    EXPECT_EQ(sha256_of_file(path), id);
  }
}

}  // namespace
}  // namespace berth::storage
