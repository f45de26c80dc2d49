#include "storage/layer_store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "storage/test_tar.hpp"

namespace berth::storage {
namespace {

using testing::Compression;
using testing::dir;
using testing::file;
using testing::make_tar;
using testing::TarEntry;
using testing::TempDir;

class LayerStoreTest : public ::testing::Test {
 protected:
  LayerStoreTest() : store_(temp_.path() + "/storage") {}

  // Writes the layer as a gzip blob and returns its diff ID.
  std::string write_blob(const std::vector<TarEntry>& entries, const std::string& name) {
    std::string blob_path = temp_.path() + "/" + name;
    os::write_file_atomic(blob_path, make_tar(entries, Compression::kGzip));
    return sha256_digest(make_tar(entries));
  }

  // Returns the names under overlay/ that start with ".tmp-".
  std::vector<std::string> temp_entries() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& child :
         std::filesystem::directory_iterator(temp_.path() + "/storage/overlay", ec)) {
      std::string name = child.path().filename();
      if (name.starts_with(".tmp-")) names.push_back(name);
    }
    return names;
  }

  TempDir temp_;
  LayerStore store_;
};

TEST_F(LayerStoreTest, AddAndQuery) {
  std::vector<TarEntry> entries = {dir("etc"), file("etc/hostname", "box\n"), file("big", "12345")};
  std::string id = write_blob(entries, "blob");
  EXPECT_FALSE(store_.has(id));
  store_.add_from_blob(id, temp_.path() + "/blob");
  EXPECT_TRUE(store_.has(id));
  std::string hex = id.substr(7);
  EXPECT_EQ(store_.diff_path(id), temp_.path() + "/storage/overlay/" + hex + "/diff");
  EXPECT_EQ(os::read_file(store_.diff_path(id) + "/etc/hostname"), "box\n");
  EXPECT_EQ(store_.list(), std::vector<std::string>{id});
  EXPECT_EQ(store_.size(id), static_cast<std::int64_t>(make_tar(entries).size()))
      << "size is the uncompressed tar's";
  EXPECT_EQ(std::filesystem::canonical(store_.lower_path(id)),
            std::filesystem::canonical(store_.diff_path(id)));
  EXPECT_LT(store_.lower_path(id).size(), store_.diff_path(id).size());
  EXPECT_TRUE(temp_entries().empty());
}

TEST_F(LayerStoreTest, SizeOfLayerWithoutTarSize) {
  std::string id = write_blob({file("etc/hostname", "box\n"), file("big", "12345")}, "blob");
  store_.add_from_blob(id, temp_.path() + "/blob");
  std::string layer_dir = temp_.path() + "/storage/overlay/" + id.substr(7);
  ASSERT_EQ(::unlink((layer_dir + "/tar-size").c_str()), 0);
  EXPECT_EQ(store_.size(id), 9) << "an older layer reports its file bytes";
  ASSERT_EQ(::unlink((layer_dir + "/size").c_str()), 0);
  EXPECT_EQ(store_.size(id), 9) << "a layer without size files counts its files";
}

TEST_F(LayerStoreTest, AddPresentLayerDoesNothing) {
  std::string id = write_blob({file("a", "1")}, "blob");
  store_.add_from_blob(id, temp_.path() + "/blob");
  os::write_file_atomic(store_.diff_path(id) + "/marker", "kept");
  store_.add_from_blob(id, temp_.path() + "/blob");
  EXPECT_EQ(os::read_file(store_.diff_path(id) + "/marker"), "kept");
}

TEST_F(LayerStoreTest, DiffIdMismatchRejected) {
  write_blob({file("a", "1")}, "blob");
  std::string wrong = sha256_digest("something else");
  try {
    store_.add_from_blob(wrong, temp_.path() + "/blob");
    ADD_FAILURE() << "a layer with the wrong diff ID was added";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDigestMismatch);
    EXPECT_NE(std::string(e.what()).find(wrong), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(sha256_digest(make_tar({file("a", "1")}))),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(store_.has(wrong));
  EXPECT_TRUE(store_.list().empty());
  EXPECT_TRUE(temp_entries().empty());
}

TEST_F(LayerStoreTest, EscapingLayerLeavesNothing) {
  std::string id = write_blob({file("../evil", "x")}, "blob");
  try {
    store_.add_from_blob(id, temp_.path() + "/blob");
    ADD_FAILURE() << "an escaping layer was added";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("\"../evil\" escapes the layer root"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(store_.has(id));
  EXPECT_TRUE(temp_entries().empty());
  EXPECT_FALSE(os::path_exists(temp_.path() + "/storage/evil"));
}

TEST_F(LayerStoreTest, InvalidDiffIdRejected) {
  try {
    store_.has("sha256:xyz");
    ADD_FAILURE() << "invalid diff ID accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(LayerStoreTest, RemoveDeletesLayerAndLink) {
  std::string id = write_blob({file("a", "1")}, "blob");
  store_.add_from_blob(id, temp_.path() + "/blob");
  store_.remove(id);
  EXPECT_FALSE(store_.has(id));
  EXPECT_FALSE(os::path_exists(store_.lower_path(id)));
  EXPECT_TRUE(store_.list().empty());
  EXPECT_TRUE(temp_entries().empty());
  store_.remove(id);  // absent: no error
}

TEST_F(LayerStoreTest, SizeOfAbsentLayerIsNotFound) {
  try {
    store_.size(sha256_digest("absent"));
    ADD_FAILURE() << "size of an absent layer returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST_F(LayerStoreTest, RemoveLeftoversKeepsLockedDirs) {
  std::string overlay = temp_.path() + "/storage/overlay";
  os::make_dirs(overlay + "/.tmp-dead/diff/etc");
  os::write_file_atomic(overlay + "/.tmp-dead/diff/etc/x", "x");
  os::write_file_atomic(overlay + "/.tmp-dead.lock", "");
  os::write_file_atomic(overlay + "/.tmp-lockonly.lock", "");
  os::make_dirs(overlay + "/.tmp-nolock/diff");
  os::make_dirs(overlay + "/.tmp-live/diff");
  os::make_dirs(overlay + "/l");
  ASSERT_EQ(::symlink("../0123/diff", (overlay + "/l/dangling").c_str()), 0);
  {
    os::FileLock live(overlay + "/.tmp-live.lock");
    store_.remove_leftovers();
    EXPECT_EQ(temp_entries().size(), 2u);
    EXPECT_TRUE(os::path_exists(overlay + "/.tmp-live/diff"));
    EXPECT_TRUE(os::path_exists(overlay + "/.tmp-live.lock"));
  }
  EXPECT_FALSE(os::path_exists(overlay + "/l/dangling"));
  store_.remove_leftovers();
  EXPECT_TRUE(temp_entries().empty());
}

TEST_F(LayerStoreTest, ConcurrentAddsOfSameLayer) {
  std::vector<TarEntry> entries;
  for (int i = 0; i < 200; ++i) entries.push_back(file("f" + std::to_string(i), "data"));
  std::string id = write_blob(entries, "blob");
  std::vector<pid_t> children;
  for (int i = 0; i < 3; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        LayerStore(temp_.path() + "/storage").add_from_blob(id, temp_.path() + "/blob");
        ::_exit(0);
      } catch (const Error&) {
        ::_exit(1);
      }
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  EXPECT_TRUE(store_.has(id));
  EXPECT_EQ(os::read_file(store_.diff_path(id) + "/f199"), "data");
  EXPECT_TRUE(temp_entries().empty());
}

TEST_F(LayerStoreTest, KilledAddLeavesRemovableTemp) {
  std::vector<TarEntry> first = {file("first", "1")};
  std::string head = make_tar(first);
  head.resize(head.size() - 1024);  // drop the end-of-archive blocks
  std::string fifo = temp_.path() + "/blob.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string id = sha256_digest("not reached");

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      LayerStore(temp_.path() + "/storage").add_from_blob(id, fifo);
    } catch (const Error&) {
    }
    ::_exit(0);
  }
  os::Fd writer = os::open_file(fifo, O_WRONLY);
  os::write_all(writer.get(), head);

  // Wait until the child has written the first entry and blocks reading.
  std::string overlay = temp_.path() + "/storage/overlay";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool started = false;
  while (!started && std::chrono::steady_clock::now() < deadline) {
    for (const auto& name : temp_entries()) {
      if (os::path_exists(overlay + "/" + name + "/diff/first")) started = true;
    }
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(started);

  store_.remove_leftovers();
  EXPECT_EQ(temp_entries().size(), 2u) << "a live extraction was removed";

  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  store_.remove_leftovers();
  EXPECT_TRUE(temp_entries().empty());
  EXPECT_TRUE(store_.list().empty());
}

}  // namespace
}  // namespace berth::storage
