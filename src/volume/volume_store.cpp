#include "common/json_text.hpp"
#include "volume/volume_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/time.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::volume {

namespace {

// The -o keys of the local driver.
constexpr const char* kDriverKeys[] = {"type", "device", "o", "uid", "gid", "copy", "nocopy"};

// Opens an entry of a directory without following a symlink.
os::Fd open_entry(int dir_fd, const char* name, int flags) {
  return os::Fd(::openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC));
}

void copy_file_data(int from, int to, const std::string& what) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(from, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "copying \"" + what + "\"");
    if (n == 0) return;
    os::write_all(to, std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

// Sets owner, mode and times of entry name in target_dir from st.
void copy_attributes(int target_dir, const char* name, const struct stat& st, bool is_link) {
  int flags = is_link ? AT_SYMLINK_NOFOLLOW : 0;
  if (::fchownat(target_dir, name, st.st_uid, st.st_gid, flags) != 0) {
    fail_errno(errno, std::string("changing the owner of \"") + name + "\"");
  }
  if (!is_link && ::fchmodat(target_dir, name, st.st_mode & 07777, 0) != 0) {
    fail_errno(errno, std::string("changing the mode of \"") + name + "\"");
  }
  timespec times[2] = {st.st_atim, st.st_mtim};
  ::utimensat(target_dir, name, times, flags);
}

// Copies every entry of source_dir into target_dir, recursively.
void copy_directory(int source_dir, int target_dir, const std::string& where) {
  os::Fd listing(::openat(source_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!listing) fail_errno(errno, "reading \"" + where + "\"");
  DIR* dir = ::fdopendir(listing.release());
  if (dir == nullptr) fail_errno(errno, "reading \"" + where + "\"");
  std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, ::closedir);
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path = where + "/" + name;
    struct stat st;
    if (::fstatat(source_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      fail_errno(errno, "reading \"" + path + "\"");
    }
    if (S_ISDIR(st.st_mode)) {
      if (::mkdirat(target_dir, name.c_str(), 0700) != 0 && errno != EEXIST) {
        fail_errno(errno, "creating \"" + path + "\"");
      }
      os::Fd from = open_entry(source_dir, name.c_str(), O_RDONLY | O_DIRECTORY);
      os::Fd to = open_entry(target_dir, name.c_str(), O_RDONLY | O_DIRECTORY);
      if (!from || !to) fail_errno(errno, "opening \"" + path + "\"");
      copy_directory(from.get(), to.get(), path);
      copy_attributes(target_dir, name.c_str(), st, false);
    } else if (S_ISREG(st.st_mode)) {
      os::Fd from = open_entry(source_dir, name.c_str(), O_RDONLY);
      if (!from) fail_errno(errno, "opening \"" + path + "\"");
      os::Fd to = open_entry(target_dir, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC);
      if (!to) fail_errno(errno, "creating \"" + path + "\"");
      copy_file_data(from.get(), to.get(), path);
      copy_attributes(target_dir, name.c_str(), st, false);
    } else if (S_ISLNK(st.st_mode)) {
      std::string link(static_cast<std::size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(source_dir, name.c_str(), link.data(), link.size());
      if (n < 0) fail_errno(errno, "reading link \"" + path + "\"");
      link.resize(static_cast<std::size_t>(n));
      if (::symlinkat(link.c_str(), target_dir, name.c_str()) != 0 && errno != EEXIST) {
        fail_errno(errno, "creating link \"" + path + "\"");
      }
      copy_attributes(target_dir, name.c_str(), st, true);
    } else {
      // FIFOs, sockets and device nodes.
      if (::mknodat(target_dir, name.c_str(), st.st_mode, st.st_rdev) != 0 && errno != EEXIST) {
        fail_errno(errno, "creating \"" + path + "\"");
      }
      copy_attributes(target_dir, name.c_str(), st, false);
    }
  }
}

}  // namespace

VolumeStore::VolumeStore(state::Database& db, std::string root)
    : db_(db), root_(std::move(root)) {}

std::string VolumeStore::data_dir(const std::string& name) const {
  return root_ + "/volumes/" + name + "/_data";
}

nlohmann::json parse_driver_options(const std::vector<std::string>& options) {
  nlohmann::json result = nlohmann::json::object();
  for (const auto& option : options) {
    auto equals = option.find('=');
    std::string key = option.substr(0, equals);
    bool known = false;
    for (const char* k : kDriverKeys) known = known || key == k;
    if (!known) {
      fail(ErrorCode::kInvalidArgument,
           "invalid volume option \"{}\": the local driver accepts type, device, o, uid, gid, "
           "copy and nocopy",
           option);
    }
    bool flag = key == "copy" || key == "nocopy";
    if (equals == std::string::npos && !flag) {
      fail(ErrorCode::kInvalidArgument, "invalid volume option \"{}\": expected {}=VALUE", option,
           key);
    }
    std::string value = equals == std::string::npos ? "" : option.substr(equals + 1);
    // Several -o o=... values join, as mount options do.
    if (key == "o" && result.contains("o")) value = result["o"].get<std::string>() + "," + value;
    result[key] = value;
  }
  if (result.contains("device") && !result.contains("type")) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume options: device needs a type: add -o type=TYPE (tmpfs, ext4, none ...)");
  }
  return result;
}

nlohmann::json parse_labels(const std::vector<std::string>& labels) {
  nlohmann::json result = nlohmann::json::object();
  for (const auto& label : labels) {
    auto equals = label.find('=');
    std::string key = label.substr(0, equals);
    if (key.empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid label \"{}\": expected KEY[=VALUE]", label);
    }
    result[key] = equals == std::string::npos ? "" : label.substr(equals + 1);
  }
  return result;
}

state::VolumeRecord VolumeStore::create(const VolumeCreateOptions& options) {
  if (options.driver != "local") {
    fail(ErrorCode::kInvalidArgument,
         "volume driver \"{}\" is not supported: berth has only the local driver",
         options.driver);
  }
  state::VolumeRecord record;
  record.name = options.name.empty() ? random_id() : options.name;
  if (!is_valid_name(record.name)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid volume name \"{}\": use letters, digits, '_', '.' and '-', starting with a "
         "letter or digit",
         record.name);
  }
  record.driver = options.driver;
  record.created_ns = now_ns();
  record.labels = json_text(parse_labels(options.labels));
  auto driver_options = parse_driver_options(options.options);
  record.options = json_text(driver_options);
  record.anonymous = options.anonymous;
  // -o nocopy turns copy-up off for every container that mounts it.
  record.needs_copy_up = !driver_options.contains("nocopy");
  std::string dir = root_ + "/volumes/" + record.name;
  // The directory exists before the record, so a container never finds a
  // volume without its data; a failed insert removes it again.
  os::make_dirs(root_ + "/volumes", 0700);
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST && db_.get_volume(record.name)) {
      fail(ErrorCode::kAlreadyExists,
           "volume \"{}\" already exists: choose another name or add --ignore", record.name);
    }
    if (errno != EEXIST) fail_errno(errno, "creating \"" + dir + "\"");
  }
  try {
    os::make_dirs(dir + "/_data", 0755);
    ::chmod((dir + "/_data").c_str(), 0755);
    db_.insert_volume(record);
  } catch (const Error& e) {
    // The directory of an existing volume with that name stays.
    if (e.code() != ErrorCode::kAlreadyExists) os::remove_all(dir);
    throw;
  }
  return record;
}

std::optional<state::VolumeRecord> VolumeStore::find(const std::string& name) {
  return db_.get_volume(name);
}

state::VolumeRecord VolumeStore::require(const std::string& name) {
  auto record = db_.get_volume(name);
  if (!record) {
    fail(ErrorCode::kNotFound, "no such volume \"{}\": `berth volume ls` lists the volumes", name);
  }
  return *record;
}

void VolumeStore::remove(const std::string& name) {
  db_.remove_volume(name);
  os::remove_all(root_ + "/volumes/" + name);
}

bool copy_up(const std::string& rootfs, const std::string& path_in_root,
             const std::string& target) {
  os::Fd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno(errno, "opening root file system \"" + rootfs + "\"");
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  auto first = path_in_root.find_first_not_of('/');
  std::string relative = first == std::string::npos ? "." : path_in_root.substr(first);
  os::Fd source(static_cast<int>(
      ::syscall(SYS_openat2, root.get(), relative.c_str(), &how, sizeof how)));
  if (!source) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    fail_errno(errno, "opening \"" + path_in_root + "\" in \"" + rootfs + "\"");
  }
  os::Fd destination(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!destination) fail_errno(errno, "opening \"" + target + "\"");
  copy_directory(source.get(), destination.get(), path_in_root);
  struct stat st;
  if (::fstat(source.get(), &st) != 0) fail_errno(errno, "reading \"" + path_in_root + "\"");
  if (::fchown(destination.get(), st.st_uid, st.st_gid) != 0 ||
      ::fchmod(destination.get(), st.st_mode & 07777) != 0) {
    fail_errno(errno, "changing the owner of \"" + target + "\"");
  }
  return true;
}

bool directory_empty(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return true;
  bool empty = true;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(dir);
  return empty;
}

namespace {
// nftw takes no context pointer; chown_tree is not called from two threads.
std::uint32_t chown_uid = 0;
std::uint32_t chown_gid = 0;
}  // namespace

void chown_tree(const std::string& path, std::uint32_t uid, std::uint32_t gid) {
  chown_uid = uid;
  chown_gid = gid;
  auto visit = [](const char* entry, const struct stat*, int, FTW*) {
    return ::lchown(entry, chown_uid, chown_gid) == 0 ? 0 : -1;
  };
  if (::nftw(path.c_str(), visit, 64, FTW_PHYS) != 0) {
    fail_errno(errno, "changing the owner of \"" + path + "\" (the U option)");
  }
}

}  // namespace berth::volume
