#include "engine/save_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/tar_writer.hpp"

namespace berth::engine {

namespace {

constexpr std::size_t kBufferSize = 1 << 20;

std::size_t read_some(int fd, char* buffer, std::size_t size, const std::string& path) {
  for (;;) {
    ssize_t n = ::read(fd, buffer, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) fail_errno(errno, "reading \"" + path + "\"");
  }
}

class TarSink : public SaveSink {
 public:
  explicit TarSink(int fd)
      : fd_(fd), writer_([this](std::string_view data) { buffered_write(data); }) {
    buffer_.reserve(kBufferSize);
  }

  void add_directory(const std::string& path) override {
    storage::TarWriterEntry entry;
    entry.path = path;
    entry.type = '5';
    entry.permissions = 0755;
    writer_.write_header(entry);
  }

  void add_bytes(const std::string& path, std::string_view data) override {
    storage::TarWriterEntry entry;
    entry.path = path;
    entry.size = data.size();
    writer_.write_header(entry);
    writer_.write_data(data);
  }

  void take_file(const std::string& path, const std::string& source) override {
    os::Fd file = os::open_file(source, O_RDONLY);
    struct stat st;
    if (::fstat(file.get(), &st) != 0) fail_errno(errno, "reading \"" + source + "\"");
    storage::TarWriterEntry entry;
    entry.path = path;
    entry.size = static_cast<std::uint64_t>(st.st_size);
    writer_.write_header(entry);
    std::vector<char> chunk(kBufferSize);
    std::uint64_t left = entry.size;
    while (left > 0) {
      std::size_t n = read_some(file.get(), chunk.data(), chunk.size(), source);
      if (n == 0) fail(ErrorCode::kInternal, "\"{}\" shrank while it was saved", source);
      if (n > left) n = static_cast<std::size_t>(left);
      writer_.write_data({chunk.data(), n});
      left -= n;
    }
    ::unlink(source.c_str());
  }

  void add_symlink(const std::string& path, const std::string& target) override {
    storage::TarWriterEntry entry;
    entry.path = path;
    entry.type = '2';
    entry.permissions = 0777;
    entry.link_target = target;
    writer_.write_header(entry);
  }

  void finish() override {
    writer_.finish();
    os::write_all(fd_, buffer_);
    buffer_.clear();
  }

 private:
  void buffered_write(std::string_view data) {
    if (buffer_.size() + data.size() > kBufferSize) {
      os::write_all(fd_, buffer_);
      buffer_.clear();
    }
    if (data.size() >= kBufferSize) {
      os::write_all(fd_, data);
    } else {
      buffer_.append(data);
    }
  }

  int fd_;
  std::string buffer_;
  storage::TarWriter writer_;
};

class DirectorySink : public SaveSink {
 public:
  explicit DirectorySink(std::string root) : root_(std::move(root)) {}

  void add_directory(const std::string& path) override { os::make_dirs(root_ + "/" + path, 0755); }

  void add_bytes(const std::string& path, std::string_view data) override {
    os::Fd file = os::open_file(root_ + "/" + path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    os::write_all(file.get(), data);
  }

  void take_file(const std::string& path, const std::string& source) override {
    std::string target = root_ + "/" + path;
    if (::rename(source.c_str(), target.c_str()) == 0) {
      // The scratch file is private (0600); the saved copy is as readable
      // as the rest of the directory, as Podman writes it.
      if (::chmod(target.c_str(), 0644) != 0) fail_errno(errno, "setting the mode of " + target);
      return;
    }
    if (errno != EXDEV) fail_errno(errno, "moving \"" + source + "\" to \"" + target + "\"");
    // The store and the output are on different file systems: copy.
    {
      os::Fd in = os::open_file(source, O_RDONLY);
      os::Fd out = os::open_file(target, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      std::vector<char> chunk(kBufferSize);
      while (std::size_t n = read_some(in.get(), chunk.data(), chunk.size(), source)) {
        os::write_all(out.get(), {chunk.data(), n});
      }
    }
    ::unlink(source.c_str());
  }

  void add_symlink(const std::string& path, const std::string& target) override {
    std::string link = root_ + "/" + path;
    if (::symlink(target.c_str(), link.c_str()) != 0) {
      fail_errno(errno, "creating symlink \"" + link + "\"");
    }
  }

  void finish() override {}

 private:
  std::string root_;
};

}  // namespace

std::unique_ptr<SaveSink> make_tar_sink(int fd) { return std::make_unique<TarSink>(fd); }

std::unique_ptr<SaveSink> make_directory_sink(const std::string& root) {
  return std::make_unique<DirectorySink>(root);
}

}  // namespace berth::engine
