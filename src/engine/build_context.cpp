// The remote build's context tar and the ignore rules it applies.

#include "engine/build_context.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::engine {

namespace {

namespace fs = std::filesystem;

// Splits path into its elements, dropping empty ones and "." and
// resolving ".." lexically (never above the first element).
std::vector<std::string> path_elements(const std::string& path) {
  std::vector<std::string> out;
  std::string element;
  std::istringstream in(path);
  while (std::getline(in, element, '/')) {
    if (element.empty() || element == ".") continue;
    if (element == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(element);
  }
  return out;
}

std::string join_elements(const std::vector<std::string>& elements) {
  std::string out;
  for (const auto& element : elements) out += (out.empty() ? "" : "/") + element;
  return out;
}

constexpr std::size_t kBlock = 512;

// Writes octal value into field (size bytes with its terminating NUL).
// Returns false when the value does not fit, so that a pax record must
// carry it.
bool put_octal(char* field, std::size_t size, std::uint64_t value) {
  std::string digits = fmt::format("{:o}", value);
  if (digits.size() > size - 1) return false;
  std::string padded = std::string(size - 1 - digits.size(), '0') + digits;
  std::memcpy(field, padded.data(), padded.size());
  field[size - 1] = '\0';
  return true;
}

// One pax record, "LENGTH key=value\n", whose length counts itself.
std::string pax_record(const std::string& key, const std::string& value) {
  std::size_t body = key.size() + value.size() + 3;  // space, '=', newline
  std::size_t length = body + std::to_string(body).size();
  if (std::to_string(length).size() != std::to_string(body).size()) ++length;
  return std::to_string(length) + " " + key + "=" + value + "\n";
}

// Writes a POSIX tar (ustar headers, with pax records for long names and
// large numbers) of files on this host. libarchive's writer is not used
// because linking it statically pulls in every archive format it has.
class ContextTarWriter {
 public:
  explicit ContextTarWriter(int fd) : fd_(fd) {}

  // Adds source_path as name, after the parent directories of name. A
  // symlink is sent as a symlink unless follow is set. Sockets are skipped,
  // because tar cannot hold them. Owners go as numbers, and extended
  // attributes are not sent.
  void add(const std::string& source_path, const std::string& name, bool follow = false) {
    struct stat st;
    int status = follow ? ::stat(source_path.c_str(), &st) : ::lstat(source_path.c_str(), &st);
    if (status != 0) fail_errno(errno, "reading \"" + source_path + "\"");
    if (S_ISSOCK(st.st_mode)) return;
    add_parents(name);
    std::string link_target;
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(source_path.c_str(), target.data(), target.size());
      if (n < 0) fail_errno(errno, "reading the symlink \"" + source_path + "\"");
      target.resize(static_cast<std::size_t>(n));
      link_target = target;
    }
    if (S_ISDIR(st.st_mode)) written_dirs_.insert(name);
    write_header(name, st, link_target);
    if (S_ISREG(st.st_mode)) copy_data(source_path, st.st_size);
  }

  // Adds a regular file of mode 0644 with content as name.
  void add_content(const std::string& content, const std::string& name) {
    add_parents(name);
    struct stat st {};
    st.st_mode = S_IFREG | 0644;
    st.st_size = static_cast<off_t>(content.size());
    st.st_mtime = ::time(nullptr);
    write_header(name, st, "");
    os::write_all(fd_, content);
    write_padding(content.size());
  }

  // Writes the two zero blocks that end a tar.
  void finish() { os::write_all(fd_, std::string(2 * kBlock, '\0')); }

 private:
  void write_header(const std::string& name, const struct stat& st, const std::string& link) {
    char type = '0';
    if (S_ISDIR(st.st_mode)) type = '5';
    if (S_ISLNK(st.st_mode)) type = '2';
    if (S_ISCHR(st.st_mode)) type = '3';
    if (S_ISBLK(st.st_mode)) type = '4';
    if (S_ISFIFO(st.st_mode)) type = '6';
    std::uint64_t size = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
    std::string entry_name = type == '5' ? name + "/" : name;

    std::string header(kBlock, '\0');
    std::string pax;
    if (entry_name.size() > 100) pax += pax_record("path", entry_name);
    std::memcpy(header.data(), entry_name.data(), std::min<std::size_t>(entry_name.size(), 100));
    put_octal(&header[100], 8, st.st_mode & 07777);
    if (!put_octal(&header[108], 8, st.st_uid)) pax += pax_record("uid", std::to_string(st.st_uid));
    if (!put_octal(&header[116], 8, st.st_gid)) pax += pax_record("gid", std::to_string(st.st_gid));
    if (!put_octal(&header[124], 12, size)) pax += pax_record("size", std::to_string(size));
    put_octal(&header[136], 12, static_cast<std::uint64_t>(std::max<time_t>(st.st_mtime, 0)));
    header[156] = type;
    if (link.size() > 100) pax += pax_record("linkpath", link);
    std::memcpy(&header[157], link.data(), std::min<std::size_t>(link.size(), 100));
    std::memcpy(&header[257], "ustar\0" "00", 8);
    if (type == '3' || type == '4') {
      put_octal(&header[329], 8, major(st.st_rdev));
      put_octal(&header[337], 8, minor(st.st_rdev));
    }
    if (!pax.empty()) write_pax(pax);
    write_checksummed(header);
  }

  // Writes a pax extended header ('x') that applies to the next entry.
  void write_pax(const std::string& records) {
    std::string header(kBlock, '\0');
    std::string name = "PaxHeader";
    std::memcpy(header.data(), name.data(), name.size());
    put_octal(&header[100], 8, 0644);
    put_octal(&header[108], 8, 0);
    put_octal(&header[116], 8, 0);
    put_octal(&header[124], 12, records.size());
    put_octal(&header[136], 12, 0);
    header[156] = 'x';
    std::memcpy(&header[257], "ustar\0" "00", 8);
    write_checksummed(header);
    os::write_all(fd_, records);
    write_padding(records.size());
  }

  void write_checksummed(std::string& header) {
    std::memset(&header[148], ' ', 8);
    unsigned sum = 0;
    for (char c : header) sum += static_cast<unsigned char>(c);
    put_octal(&header[148], 7, sum);
    header[155] = ' ';
    os::write_all(fd_, header);
  }

  void write_padding(std::uint64_t size) {
    std::size_t rest = size % kBlock;
    if (rest != 0) os::write_all(fd_, std::string(kBlock - rest, '\0'));
  }

  // Adds the directory entries above name that were not written yet: they
  // are missing when an excluded directory contains a re-included file.
  void add_parents(const std::string& name) {
    auto slash = name.rfind('/');
    if (slash == std::string::npos) return;
    std::string parent = name.substr(0, slash);
    if (written_dirs_.contains(parent)) return;
    add_parents(parent);
    struct stat st {};
    st.st_mode = S_IFDIR | 0755;
    st.st_mtime = ::time(nullptr);
    written_dirs_.insert(parent);
    write_header(parent, st, "");
  }

  // Copies exactly size bytes, the size in the header, so that a file
  // that changes meanwhile cannot corrupt the tar.
  void copy_data(const std::string& path, off_t size) {
    os::Fd file = os::open_file(path, O_RDONLY | O_CLOEXEC);
    std::string buffer(1 << 16, '\0');
    off_t left = size;
    while (left > 0) {
      auto want = static_cast<std::size_t>(std::min<off_t>(left, buffer.size()));
      ssize_t n = ::read(file.get(), buffer.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(errno, "reading \"" + path + "\"");
      if (n == 0) fail(ErrorCode::kInternal, "reading \"{}\": the file shrank while it was sent", path);
      os::write_all(fd_, std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      left -= n;
    }
    write_padding(static_cast<std::uint64_t>(size));
  }

  int fd_;
  std::set<std::string> written_dirs_;
};

}  // namespace

ContextIgnoreFile ContextIgnoreFile::load(const std::string& context_dir) {
  ContextIgnoreFile out;
  for (const char* name : {".containerignore", ".dockerignore"}) {
    std::string path = context_dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    std::string text = os::read_file(path);
    out.name = name;
    out.text = text;
    out.rules = build::IgnoreRules(text);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      auto first = line.find_first_not_of(" \t\r");
      if (first != std::string::npos && line[first] == '!') out.has_exceptions = true;
    }
    break;
  }
  return out;
}

void write_context_tar(const std::string& context_dir, const ContextIgnoreFile& ignore,
                       const std::vector<std::string>& always_include,
                       const std::vector<ExtraTarFile>& extra_files, int fd) {
  struct stat st;
  if (::stat(context_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    fail(ErrorCode::kNotFound,
         "context directory \"{}\" does not exist: give an existing directory", context_dir);
  }
  std::set<std::string> replaced;
  for (const auto& extra : extra_files) replaced.insert(extra.name);
  std::set<std::string> forced;
  for (const auto& path : always_include) forced.insert(join_elements(path_elements(path)));

  std::string root = context_dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();

  ContextTarWriter tar(fd);
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) fail_errno(ec.value(), "reading \"" + context_dir + "\"");
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) fail_errno(ec.value(), "reading \"" + context_dir + "\"");
    std::string relative = it->path().string().substr(root == "/" ? 1 : root.size() + 1);
    if (replaced.contains(relative)) continue;
    bool is_dir = it->is_directory(ec) && !it->is_symlink(ec);
    if (ignore.rules.excluded(relative) && !forced.contains(relative)) {
      // Without "!" patterns nothing under an excluded directory comes back.
      if (is_dir && !ignore.has_exceptions && forced.empty()) it.disable_recursion_pending();
      continue;
    }
    tar.add(it->path().string(), relative);
  }
  for (const auto& extra : extra_files) {
    if (extra.source_path.empty()) {
      tar.add_content(extra.content, extra.name);
    } else {
      tar.add(extra.source_path, extra.name, true);
    }
  }
  tar.finish();
}

}  // namespace berth::engine
