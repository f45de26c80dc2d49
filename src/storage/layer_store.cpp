#include "storage/layer_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <set>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "os/file.hpp"
#include "storage/diff_tar.hpp"
#include "storage/layer_extract.hpp"
#include "storage/tar_layout.hpp"

namespace berth::storage {

namespace {

constexpr std::string_view kTempPrefix = ".tmp-";
constexpr std::string_view kLockSuffix = ".lock";
constexpr std::string_view kTarLayoutName = "tar-layout.zst";
constexpr std::string_view kTarSizeName = "tar-size";
// Short link names are this many hex digits of the diff ID: with "l/" and a
// ":" separator, 127 layers (Docker's limit) fit one page of mount options.
constexpr std::size_t kShortLinkLength = 20;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string diff_hex(const std::string& diff_id) {
  Digest digest = Digest::parse(diff_id);
  if (digest.algorithm != "sha256") {
    fail(ErrorCode::kInvalidArgument, "invalid layer diff ID \"{}\": expected a sha256 digest",
         diff_id);
  }
  return digest.hex;
}

bool is_layer_name(std::string_view name) {
  return name.size() == 64 && Digest::is_valid("sha256:" + std::string(name));
}

bool same_file(int fd, const std::string& path) {
  struct stat opened, named;
  if (::fstat(fd, &opened) != 0 || ::stat(path.c_str(), &named) != 0) return false;
  return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

// Takes the lock file at path without blocking. Returns an empty Fd when
// another process holds it or when the file was unlinked after it was
// opened, which means a cleaner already removed what it guarded.
os::Fd try_lock(const std::string& path) {
  os::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) fail_errno(errno, "opening lock file " + in_quotes(path));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK || errno == EINTR) return {};
    fail_errno(errno, "locking " + in_quotes(path));
  }
  if (!same_file(fd.get(), path)) return {};
  return fd;
}

// A temporary directory overlay/.tmp-<random> guarded by the flock on
// overlay/.tmp-<random>.lock, which this object holds. The lock is taken
// before the directory exists and released after it is gone, so
// remove_leftovers never removes a directory that a live process uses.
class TempLayerDir {
 public:
  explicit TempLayerDir(const std::string& overlay_dir) {
    for (;;) {
      path_ = overlay_dir + "/" + std::string(kTempPrefix) + random_id().substr(0, 16);
      lock_path_ = path_ + std::string(kLockSuffix);
      lock_.reset(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!lock_) fail_errno(errno, "creating lock file " + in_quotes(lock_path_));
      while (::flock(lock_.get(), LOCK_EX) != 0) {
        if (errno != EINTR) fail_errno(errno, "locking " + in_quotes(lock_path_));
      }
      // A cleaner may have taken and unlinked the new file before this
      // process locked it; then the lock guards nothing, so try another name.
      if (same_file(lock_.get(), lock_path_)) break;
    }
    if (::mkdir(path_.c_str(), 0700) != 0) {
      int err = errno;
      ::unlink(lock_path_.c_str());
      fail_errno(err, "creating directory " + in_quotes(path_));
    }
  }

  ~TempLayerDir() {
    try {
      os::remove_all(path_);
    } catch (const Error& e) {
      spdlog::debug("leaving temporary layer directory for remove_leftovers: {}", e.what());
    }
    ::unlink(lock_path_.c_str());
  }

  TempLayerDir(const TempLayerDir&) = delete;
  TempLayerDir& operator=(const TempLayerDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string lock_path_;
  os::Fd lock_;
};

// Creates overlay/l/<short> -> ../<hex>/diff unless that link exists.
void make_short_link(const std::string& overlay_dir, const std::string& hex) {
  std::string link = overlay_dir + "/l/" + hex.substr(0, kShortLinkLength);
  std::string target = "../" + hex + "/diff";
  if (::symlink(target.c_str(), link.c_str()) == 0) return;
  if (errno != EEXIST) fail_errno(errno, "creating link " + in_quotes(link));
  std::error_code ec;
  auto existing = std::filesystem::read_symlink(link, ec);
  if (ec || existing != target) {
    fail(ErrorCode::kConflict, "layer link {} exists and does not point to {}: remove it",
         in_quotes(link), in_quotes(target));
  }
}

void sync_file_system(const std::string& path) {
  os::Fd dir = os::open_file(path, O_RDONLY | O_DIRECTORY);
  if (::syncfs(dir.get()) != 0) fail_errno(errno, "syncing " + in_quotes(path));
}

}  // namespace

LayerStore::LayerStore(std::string root) : root_(std::move(root)) {}

std::string LayerStore::overlay_dir() const { return root_ + "/overlay"; }

std::string LayerStore::layer_dir(const std::string& diff_id) const {
  return overlay_dir() + "/" + diff_hex(diff_id);
}

std::string LayerStore::diff_path(const std::string& diff_id) const {
  return layer_dir(diff_id) + "/diff";
}

std::string LayerStore::lower_path(const std::string& diff_id) const {
  return overlay_dir() + "/l/" + diff_hex(diff_id).substr(0, kShortLinkLength);
}

std::vector<std::string> LayerStore::overlay_lowers(const std::vector<std::string>& layers) const {
  std::vector<std::string> lowers;
  std::set<std::string> seen;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    if (!seen.insert(*it).second) continue;
    std::string link = lower_path(*it);
    struct stat st;
    lowers.push_back(::lstat(link.c_str(), &st) == 0 ? link : diff_path(*it));
  }
  return lowers;
}

bool LayerStore::has(const std::string& diff_id) const {
  struct stat st;
  return ::stat(diff_path(diff_id).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void LayerStore::add_from_blob(const std::string& diff_id, const std::string& blob_path) {
  std::string hex = diff_hex(diff_id);
  if (has(diff_id)) return;
  std::string context = "adding layer " + diff_id;
  with_context(context, [&] {
    os::make_dirs(overlay_dir() + "/l", 0700);
    TempLayerDir temp(overlay_dir());
    std::string diff = temp.path() + "/diff";
    if (::mkdir(diff.c_str(), 0755) != 0) fail_errno(errno, "creating " + in_quotes(diff));

    TarLayoutRecorder layout(temp.path() + "/" + std::string(kTarLayoutName));
    ExtractedLayer extracted = extract_layer(blob_path, diff, layout);
    if (extracted.diff_id != diff_id) {
      fail(ErrorCode::kDigestMismatch,
           "uncompressed content of \"{}\" has digest {}, but the image config lists {}", blob_path,
           extracted.diff_id, diff_id);
    }
    layout.finish();
    os::write_file_atomic(temp.path() + "/size", std::to_string(os::tree_size(diff)) + "\n");
    os::write_file_atomic(temp.path() + "/" + std::string(kTarSizeName),
                          std::to_string(extracted.tar_size) + "\n");
    make_short_link(overlay_dir(), hex);
    // The layer must be on disk before the rename marks it complete.
    sync_file_system(temp.path());

    std::string final_dir = overlay_dir() + "/" + hex;
    if (::rename(temp.path().c_str(), final_dir.c_str()) != 0) {
      // Another process added the same layer first; its copy is kept and
      // this one is removed with temp.
      if (errno != ENOTEMPTY && errno != EEXIST) {
        fail_errno(errno, "renaming " + in_quotes(temp.path()) + " to " + in_quotes(final_dir));
      }
      spdlog::debug("layer {} was added by another process", diff_id);
    }
    // Again after the rename, because a concurrent remove of the same layer
    // may have deleted the link in between.
    make_short_link(overlay_dir(), hex);
  });
}

void LayerStore::remove(const std::string& diff_id) {
  std::string hex = diff_hex(diff_id);
  std::string dir = layer_dir(diff_id);
  if (!os::path_exists(dir)) return;
  with_context("removing layer " + diff_id, [&] {
    std::string link = lower_path(diff_id);
    if (::unlink(link.c_str()) != 0 && errno != ENOENT) {
      fail_errno(errno, "removing link " + in_quotes(link));
    }
    // Renaming the layer away first makes it disappear at once; a process
    // killed during the removal leaves a temporary directory, not half a layer.
    TempLayerDir temp(overlay_dir());
    if (::rename(dir.c_str(), temp.path().c_str()) != 0) {
      if (errno == ENOENT) return;
      fail_errno(errno, "renaming " + in_quotes(dir) + " to " + in_quotes(temp.path()));
    }
    os::remove_all(temp.path());
  });
}

std::string LayerStore::tar_layout_path(const std::string& diff_id) const {
  return layer_dir(diff_id) + "/" + std::string(kTarLayoutName);
}

bool LayerStore::has_tar_layout(const std::string& diff_id) const {
  return has(diff_id) && os::path_exists(tar_layout_path(diff_id));
}

void LayerStore::write_tar(const std::string& diff_id, int fd) const {
  write_tar(diff_id, [fd](std::string_view data) { os::write_all(fd, data); });
}

void LayerStore::write_tar(const std::string& diff_id, const HashingWriter::Sink& sink) const {
  if (!has(diff_id)) fail(ErrorCode::kNotFound, "layer {} not found", diff_id);
  with_context("writing tar of layer " + diff_id, [&] {
    std::string layout = tar_layout_path(diff_id);
    if (!os::path_exists(layout)) {
      fail(ErrorCode::kConflict,
           "the layer has no tar layout, because an older berth extracted it: pull the image "
           "again to get the original tar");
    }
    std::string written = write_tar_from_layout(layout, diff_path(diff_id), sink);
    if (written != diff_id) {
      fail(ErrorCode::kDigestMismatch,
           "the rebuilt tar has digest {}, so the layer changed on disk: remove the image and "
           "pull it again",
           written);
    }
  });
}

std::string LayerStore::write_tar_from_diff(const std::string& diff_id, int fd) const {
  if (!has(diff_id)) fail(ErrorCode::kNotFound, "layer {} not found", diff_id);
  return with_context("writing tar of layer " + diff_id + " from its files",
                      [&] { return write_diff_tar(diff_path(diff_id), fd); });
}

std::vector<std::string> LayerStore::list() const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& child : std::filesystem::directory_iterator(overlay_dir(), ec)) {
    std::string name = child.path().filename();
    if (is_layer_name(name) && os::path_exists(child.path() / "diff")) {
      ids.push_back("sha256:" + name);
    }
  }
  if (ec && ec.value() != ENOENT) fail_errno(ec.value(), "listing " + in_quotes(overlay_dir()));
  std::sort(ids.begin(), ids.end());
  return ids;
}

namespace {

// Returns the number in a layer's size file, or nullopt when the file is
// missing or does not hold a number.
std::optional<std::int64_t> read_size_file(const std::string& path) {
  auto text = os::read_file_if_exists(path);
  if (!text) return std::nullopt;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    spdlog::debug("size file {} contains {}; ignoring it", in_quotes(path), in_quotes(*text));
    return std::nullopt;
  }
}

}  // namespace

std::int64_t LayerStore::size(const std::string& diff_id) const {
  if (!has(diff_id)) fail(ErrorCode::kNotFound, "layer {} not found", diff_id);
  std::string dir = layer_dir(diff_id);
  if (auto tar_size = read_size_file(dir + "/" + std::string(kTarSizeName))) return *tar_size;
  if (auto file_size = read_size_file(dir + "/size")) return *file_size;
  return os::tree_size(diff_path(diff_id));
}

void LayerStore::remove_leftovers() {
  std::set<std::string> temp_names;
  std::error_code ec;
  for (const auto& child : std::filesystem::directory_iterator(overlay_dir(), ec)) {
    std::string name = child.path().filename();
    if (!name.starts_with(kTempPrefix)) continue;
    if (name.ends_with(kLockSuffix)) name.resize(name.size() - kLockSuffix.size());
    temp_names.insert(name);
  }
  if (ec) {
    if (ec.value() == ENOENT) return;
    fail_errno(ec.value(), "listing " + in_quotes(overlay_dir()));
  }
  for (const auto& name : temp_names) {
    std::string path = overlay_dir() + "/" + name;
    std::string lock_path = path + std::string(kLockSuffix);
    os::Fd lock = try_lock(lock_path);
    if (!lock) continue;  // a live process is working on it
    spdlog::debug("removing leftover layer directory {}", in_quotes(path));
    os::remove_all(path);
    ::unlink(lock_path.c_str());
  }

  // Short links of absent layers. A link made by an add still in progress
  // dangles for a moment too; that add makes it again after its rename.
  for (const auto& child : std::filesystem::directory_iterator(overlay_dir() + "/l", ec)) {
    struct stat st;
    if (::stat(child.path().c_str(), &st) != 0 && errno == ENOENT) {
      ::unlink(child.path().c_str());
    }
  }
}

}  // namespace berth::storage
