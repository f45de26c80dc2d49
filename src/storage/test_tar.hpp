#pragma once

// Helpers shared by the storage tests: building layer tars in memory with
// libarchive's writer, and temporary directories. Header-only because the
// build puts every non-test .cpp of the folder into the library.

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace berth::storage::testing {

struct TarEntry {
  std::string path;
  mode_t type = S_IFREG;  // S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFIFO, ...
  mode_t permissions = 0644;
  std::string data;      // regular file contents
  std::string symlink;   // symlink target
  std::string hardlink;  // when set, the entry is a hardlink to this path
  uid_t uid = 0;
  gid_t gid = 0;
  std::time_t mtime = 1'600'000'000;
  dev_t rdev = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

enum class Compression { kNone, kGzip, kZstd };

// kPax writes ustar headers plus pax records where needed (long names,
// xattrs); kGnu writes GNU headers with 'L' and 'K' long-name entries.
enum class TarFormat { kPax, kGnu };

namespace detail {

inline la_ssize_t append_to_string(archive*, void* client, const void* data, size_t size) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

inline void check(int status, archive* writer) {
  if (status < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(writer));
}

}  // namespace detail

// Returns a tar of entries in format, compressed as requested.
inline std::string make_tar(const std::vector<TarEntry>& entries, Compression compression,
                            TarFormat format = TarFormat::kPax) {
  std::string out;

  archive* writer = archive_write_new();
  if (format == TarFormat::kGnu) {
    detail::check(archive_write_set_format_gnutar(writer), writer);
  } else {
    detail::check(archive_write_set_format_pax_restricted(writer), writer);
  }
  if (compression == Compression::kGzip)
    detail::check(archive_write_add_filter_gzip(writer), writer);
  if (compression == Compression::kZstd)
    detail::check(archive_write_add_filter_zstd(writer), writer);
  // No padding to a 10240-byte record, so the stream is exactly the entries.
  archive_write_set_bytes_in_last_block(writer, 1);
  detail::check(archive_write_open(writer, &out, nullptr, detail::append_to_string, nullptr),
                writer);

  for (const auto& item : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, item.path.c_str());
    archive_entry_set_uid(entry, item.uid);
    archive_entry_set_gid(entry, item.gid);
    archive_entry_set_mtime(entry, item.mtime, 0);
    archive_entry_set_perm(entry, item.permissions);

    if (!item.hardlink.empty()) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, item.hardlink.c_str());
      archive_entry_set_size(entry, 0);
    } else {
      archive_entry_set_filetype(entry, item.type);
      archive_entry_set_size(entry, item.type == S_IFREG ? item.data.size() : 0);
      if (item.type == S_IFLNK) archive_entry_set_symlink(entry, item.symlink.c_str());
      if (item.type == S_IFCHR || item.type == S_IFBLK) archive_entry_set_rdev(entry, item.rdev);
    }
    for (const auto& [name, value] : item.xattrs) {
      archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), value.size());
    }

    detail::check(archive_write_header(writer, entry), writer);
    if (item.hardlink.empty() && item.type == S_IFREG && !item.data.empty()) {
      archive_write_data(writer, item.data.data(), item.data.size());
    }
    archive_entry_free(entry);
  }

  detail::check(archive_write_close(writer), writer);
  archive_write_free(writer);
  return out;
}

// Returns the uncompressed tar of entries.
inline std::string make_tar(const std::vector<TarEntry>& entries) {
  return make_tar(entries, Compression::kNone);
}

inline TarEntry file(std::string path, std::string data, mode_t permissions = 0644) {
  TarEntry entry;
  entry.path = std::move(path);
  entry.data = std::move(data);
  entry.permissions = permissions;
  return entry;
}

inline TarEntry dir(std::string path, mode_t permissions = 0755) {
  TarEntry entry;
  entry.path = std::move(path);
  entry.type = S_IFDIR;
  entry.permissions = permissions;
  return entry;
}

inline TarEntry symlink(std::string path, std::string target) {
  TarEntry entry;
  entry.path = std::move(path);
  entry.type = S_IFLNK;
  entry.permissions = 0777;
  entry.symlink = std::move(target);
  return entry;
}

inline TarEntry hardlink(std::string path, std::string target) {
  TarEntry entry;
  entry.path = std::move(path);
  entry.hardlink = std::move(target);
  return entry;
}

// A directory under /var/tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    char templ[] = "/var/tmp/berth-storage-test-XXXXXX";
    if (::mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace berth::storage::testing
