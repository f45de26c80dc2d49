#pragma once

// Where `save` puts the files of an image archive or directory: a tar
// stream on a file descriptor, or a directory on disk.

#include <memory>
#include <string>
#include <string_view>

namespace berth::engine {

// Receives the files of a saved image layout. Paths are relative and use
// "/" between components; a parent directory is added before its contents.
class SaveSink {
 public:
  virtual ~SaveSink() = default;
  virtual void add_directory(const std::string& path) = 0;
  virtual void add_bytes(const std::string& path, std::string_view data) = 0;
  // Adds the file at source under path. source is consumed: it is moved or
  // deleted.
  virtual void take_file(const std::string& path, const std::string& source) = 0;
  virtual void add_symlink(const std::string& path, const std::string& target) = 0;
  // Completes the output (the tar's end blocks). Nothing may be added after.
  virtual void finish() = 0;
};

// Writes a pax tar stream to fd, which the caller owns. Entries have mode
// 0644 (directories 0755), owner 0:0 and mtime 0, as `podman save` writes
// docker-archive entries, so equal images give equal archives.
std::unique_ptr<SaveSink> make_tar_sink(int fd);

// Writes the files under root, an existing empty directory.
std::unique_ptr<SaveSink> make_directory_sink(const std::string& root);

}  // namespace berth::engine
