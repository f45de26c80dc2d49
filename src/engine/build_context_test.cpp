#include "engine/build_context.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.hpp"

namespace berth::engine {
namespace {

namespace fs = std::filesystem;

class BuildContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/berth-build-context-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& relative, const std::string& data) {
    fs::path path = fs::path(dir_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << data;
  }

  // Writes the context's tar and returns its entries: path to content
  // ("<dir>" for directories, "-> target" for symlinks).
  std::map<std::string, std::string> tar_entries(const std::string& context,
                                                 const std::vector<std::string>& always = {},
                                                 const std::vector<ExtraTarFile>& extra = {}) {
    int fd = ::open("/tmp", O_TMPFILE | O_RDWR, 0600);
    EXPECT_GE(fd, 0);
    write_context_tar(context, ContextIgnoreFile::load(context), always, extra, fd);
    ::lseek(fd, 0, SEEK_SET);
    archive* reader = archive_read_new();
    archive_read_support_format_tar(reader);
    EXPECT_EQ(archive_read_open_fd(reader, fd, 4096), ARCHIVE_OK);
    std::map<std::string, std::string> out;
    archive_entry* entry;
    while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
      std::string name = archive_entry_pathname(entry);
      // Directory names end with "/" in the tar.
      if (name.ends_with("/")) name.pop_back();
      if (archive_entry_filetype(entry) == AE_IFDIR) {
        out[name] = "<dir>";
      } else if (archive_entry_filetype(entry) == AE_IFLNK) {
        out[name] = std::string("-> ") + archive_entry_symlink(entry);
      } else {
        std::string data(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
        archive_read_data(reader, data.data(), data.size());
        out[name] = data;
      }
    }
    archive_read_free(reader);
    ::close(fd);
    return out;
  }

  std::string dir_;
};

TEST_F(BuildContextTest, WritesFilesDirectoriesAndSymlinks) {
  write("Dockerfile", "FROM scratch\n");
  write("sub/a.txt", "a");
  fs::create_symlink("sub/a.txt", fs::path(dir_) / "link");
  auto entries = tar_entries(dir_);
  EXPECT_EQ(entries["Dockerfile"], "FROM scratch\n");
  EXPECT_EQ(entries["sub"], "<dir>");
  EXPECT_EQ(entries["sub/a.txt"], "a");
  EXPECT_EQ(entries["link"], "-> sub/a.txt");
  EXPECT_EQ(entries.size(), 4u);
}

TEST_F(BuildContextTest, DockerignoreExcludesWithExceptions) {
  write("Dockerfile", "FROM scratch\n");
  write(".dockerignore", "# comment\nlogs\n*.tmp\n!keep.tmp\nDockerfile\n");
  write("logs/one.log", "1");
  write("x.tmp", "x");
  write("keep.tmp", "k");
  write("src/main.c", "int main;");
  auto entries = tar_entries(dir_, {"Dockerfile"});
  EXPECT_FALSE(entries.contains("logs"));
  EXPECT_FALSE(entries.contains("logs/one.log"));
  EXPECT_FALSE(entries.contains("x.tmp"));
  EXPECT_EQ(entries["keep.tmp"], "k");
  EXPECT_EQ(entries["src/main.c"], "int main;");
  // Excluded by a pattern, but the build needs it.
  EXPECT_EQ(entries["Dockerfile"], "FROM scratch\n");
  EXPECT_TRUE(entries.contains(".dockerignore"));
}

TEST_F(BuildContextTest, ContainerignoreWinsOverDockerignore) {
  write(".containerignore", "a.txt\n");
  write(".dockerignore", "b.txt\n");
  write("a.txt", "a");
  write("b.txt", "b");
  auto entries = tar_entries(dir_);
  EXPECT_FALSE(entries.contains("a.txt"));
  EXPECT_EQ(entries["b.txt"], "b");
}

TEST_F(BuildContextTest, ExceptionInsideExcludedDirectory) {
  write(".dockerignore", "vendor\n!vendor/keep/file\n");
  write("vendor/drop", "d");
  write("vendor/keep/file", "f");
  auto entries = tar_entries(dir_);
  EXPECT_FALSE(entries.contains("vendor/drop"));
  EXPECT_EQ(entries["vendor/keep/file"], "f");
  // The parents come first, so that extraction can create the file.
  EXPECT_EQ(entries["vendor/keep"], "<dir>");
}

TEST_F(BuildContextTest, ExtraFileUnderChosenName) {
  write("a", "a");
  write(".dockerignore", "replaced\n");
  std::string outside = dir_ + "-Containerfile";
  std::ofstream(outside) << "FROM x\n";
  auto entries = tar_entries(dir_ + "/", {}, {{outside, "", ".berth-containerfile-1"}, {"", "x\n", ".dockerignore"}});
  fs::remove(outside);
  EXPECT_EQ(entries[".berth-containerfile-1"], "FROM x\n");
  EXPECT_EQ(entries["a"], "a");
  EXPECT_EQ(entries[".dockerignore"], "x\n");
}

TEST_F(BuildContextTest, MissingContextIsNotFound) {
  int fd = ::open("/tmp", O_TMPFILE | O_RDWR, 0600);
  try {
    write_context_tar(dir_ + "/missing", ContextIgnoreFile{}, {}, {}, fd);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/missing"), std::string::npos);
  }
  ::close(fd);
}

}  // namespace
}  // namespace berth::engine
