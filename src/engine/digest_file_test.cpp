#include "engine/digest_file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace berth::engine {
namespace {

namespace fs = std::filesystem;

const std::string kDigest = "sha256:" + std::string(64, 'c');

// A temporary directory removed at the end of a test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "berth-digest-file-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path(const std::string& relative) const { return (path_ / relative).string(); }

 private:
  fs::path path_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Returns the code of the Error that check_digest_file throws for path,
// and stores its message.
ErrorCode check_error(const std::string& path, std::string& message) {
  try {
    check_digest_file(path);
  } catch (const Error& e) {
    message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no error for \"" << path << "\"";
  return ErrorCode::kInternal;
}

TEST(CheckDigestFile, AcceptsNewAndExistingFiles) {
  TempDir dir;
  EXPECT_NO_THROW(check_digest_file(dir.path("new")));
  std::ofstream(dir.path("old")) << "x";
  EXPECT_NO_THROW(check_digest_file(dir.path("old")));
  EXPECT_NO_THROW(check_digest_file("/dev/null"));
}

TEST(CheckDigestFile, MissingDirectoryIsNotFound) {
  TempDir dir;
  std::string path = dir.path("missing/file");
  std::string message;
  EXPECT_EQ(ErrorCode::kNotFound, check_error(path, message));
  EXPECT_NE(message.find("directory \"" + dir.path("missing") + "\" of digest file \"" + path +
                         "\" does not exist"),
            std::string::npos)
      << message;
}

TEST(CheckDigestFile, DirectoryIsRejected) {
  TempDir dir;
  std::string message;
  EXPECT_EQ(ErrorCode::kInvalidArgument, check_error(dir.path(""), message));
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
}

TEST(CheckDigestFile, FileAsDirectoryIsRejected) {
  TempDir dir;
  std::ofstream(dir.path("plain")) << "x";
  std::string message;
  EXPECT_EQ(ErrorCode::kInvalidArgument, check_error(dir.path("plain/file"), message));
  EXPECT_NE(message.find("\"" + dir.path("plain") + "\" in digest file path"), std::string::npos)
      << message;
}

TEST(CheckDigestFile, DanglingLinkChecksTargetDirectory) {
  TempDir dir;
  fs::create_symlink(dir.path("missing/target"), dir.path("link"));
  std::string message;
  EXPECT_EQ(ErrorCode::kNotFound, check_error(dir.path("link"), message));
  EXPECT_NE(message.find(dir.path("missing")), std::string::npos) << message;

  fs::create_directory(dir.path("missing"));
  EXPECT_NO_THROW(check_digest_file(dir.path("link")));
}

TEST(WriteDigestFile, ReplacesRegularFile) {
  TempDir dir;
  std::string path = dir.path("digest");
  std::ofstream(path) << "old content that is longer than the digest itself, by a good margin"
                         " of characters so that leftovers would show";
  write_digest_file(path, kDigest);
  EXPECT_EQ(kDigest, read_text(path));
  struct stat st;
  ASSERT_EQ(0, ::stat(path.c_str(), &st));
  EXPECT_EQ(0644u, st.st_mode & 07777);
}

TEST(WriteDigestFile, WritesThroughSymlink) {
  TempDir dir;
  std::ofstream(dir.path("target")) << "old";
  fs::create_symlink(dir.path("target"), dir.path("link"));
  write_digest_file(dir.path("link"), kDigest);
  EXPECT_TRUE(fs::is_symlink(dir.path("link")));
  EXPECT_EQ(kDigest, read_text(dir.path("target")));
}

TEST(WriteDigestFile, WritesDevice) { EXPECT_NO_THROW(write_digest_file("/dev/null", kDigest)); }

}  // namespace
}  // namespace berth::engine
