#include "storage/archive_unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <vector>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::storage {

namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

std::string archive_message(archive* reader) {
  const char* message = archive_error_string(reader);
  return message ? message : "unknown error";
}

// Returns the components of path after resolving "." and "..", or nullopt
// when ".." climbs above the start.
std::optional<std::vector<std::string>> resolve_components(const std::vector<std::string>& start,
                                                           std::string_view path) {
  std::vector<std::string> parts = start;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    auto end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    std::string component(path.substr(begin, end - begin));
    begin = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
      continue;
    }
    parts.push_back(std::move(component));
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string path;
  for (const auto& part : parts) path += (path.empty() ? "" : "/") + part;
  return path;
}

// Returns the entry's path relative to the archive root, "" for the root
// itself. Throws for an absolute path or one that climbs out.
std::string entry_path(const char* name) {
  std::string_view text = name ? name : "";
  if (text.starts_with("/")) {
    fail(ErrorCode::kInvalidArgument, "invalid archive: entry \"{}\" has an absolute path", text);
  }
  auto parts = resolve_components({}, text);
  if (!parts) {
    fail(ErrorCode::kInvalidArgument, "invalid archive: entry \"{}\" leads outside the archive",
         text);
  }
  return join(*parts);
}

// A symlink or hardlink entry, linked once every file is written.
struct PendingLink {
  std::string path;
  std::string target;  // relative to the archive root
};

// Writes the current entry's data to path. Its parent directories are
// created first; none of them can be a symlink, because symlinks in the
// archive never become symlinks on disk.
void write_file(archive* reader, const std::string& target_dir, const std::string& path,
                int target_fd) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos) os::make_dirs(target_dir + "/" + path.substr(0, slash), 0700);
  ::unlinkat(target_fd, path.c_str(), 0);
  int raw = ::openat(target_fd, path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600);
  if (raw < 0) fail_errno(errno, "writing \"" + path + "\" from the archive");
  os::Fd file(raw);
  char buffer[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(reader, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      fail(ErrorCode::kInvalidArgument, "invalid archive: reading \"{}\": {}", path,
           archive_message(reader));
    }
    os::write_all(file.get(), std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

void make_links(const std::vector<PendingLink>& links, int target_fd) {
  for (const auto& link : links) {
    struct stat st;
    if (::fstatat(target_fd, link.target.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
      continue;
    }
    ::unlinkat(target_fd, link.path.c_str(), 0);
    if (::linkat(target_fd, link.target.c_str(), target_fd, link.path.c_str(), 0) != 0) {
      fail_errno(errno, "linking \"" + link.path + "\" to \"" + link.target + "\" from the archive");
    }
  }
}

}  // namespace

void unpack_image_archive(int fd, const std::string& target_dir) {
  ArchivePtr reader(archive_read_new(), archive_read_free);
  if (!reader) fail(ErrorCode::kInternal, "allocating a libarchive reader failed");
  // Only built-in decompressors: filter_all would also run external programs.
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_zstd(reader.get());
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_filter_xz(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_fd(reader.get(), fd, 1 << 20) != ARCHIVE_OK) {
    fail(ErrorCode::kInvalidArgument, "invalid archive: {}", archive_message(reader.get()));
  }
  os::Fd target = os::open_file(target_dir, O_RDONLY | O_DIRECTORY);
  std::vector<PendingLink> links;
  std::size_t entries = 0;
  for (;;) {
    archive_entry* entry;
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      fail(ErrorCode::kInvalidArgument, "invalid archive: {}", archive_message(reader.get()));
    }
    ++entries;
    std::string path = entry_path(archive_entry_pathname(entry));
    if (path.empty()) continue;
    auto type = archive_entry_filetype(entry);
    if (const char* hardlink = archive_entry_hardlink(entry)) {
      links.push_back({path, entry_path(hardlink)});
    } else if (type == AE_IFREG) {
      write_file(reader.get(), target_dir, path, target.get());
    } else if (type == AE_IFDIR) {
      os::make_dirs(target_dir + "/" + path, 0700);
    } else if (type == AE_IFLNK) {
      std::string_view link_target = archive_entry_symlink(entry);
      auto slash = path.rfind('/');
      auto start = resolve_components({}, slash == std::string::npos ? "" : path.substr(0, slash));
      auto resolved = link_target.starts_with("/") ? std::nullopt
                                                   : resolve_components(*start, link_target);
      if (!resolved) {
        fail(ErrorCode::kInvalidArgument,
             "invalid archive: symlink \"{}\" points to \"{}\", outside the archive", path,
             link_target);
      }
      links.push_back({path, join(*resolved)});
    }
  }
  if (entries == 0) fail(ErrorCode::kInvalidArgument, "invalid archive: it has no entries");
  make_links(links, target.get());
}

}  // namespace berth::storage
