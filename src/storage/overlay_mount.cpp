#include "storage/overlay_mount.hpp"

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::storage {

namespace {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// overlayfs separates options with ',' and lower directories with ':'.
void check_path(const std::string& path) {
  if (path.find_first_of(",:") != std::string::npos) {
    fail(ErrorCode::kInvalidArgument,
         "overlay path {} contains ',' or ':', which mount options "
         "cannot carry: use a storage root without them",
         in_quotes(path));
  }
}

// With index=on (a kernel build and module option), overlayfs records the
// lower directories in the upper directory and checks them on later mounts.
// berth does not use the index, so it turns it off where it is the default.
bool index_enabled_by_default() {
  auto value = os::read_file_if_exists("/sys/module/overlay/parameters/index");
  return value && value->starts_with("Y");
}

std::string build_options(const std::vector<std::string>& lowers, const std::string& upper,
                          const std::string& work) {
  std::string options = "lowerdir=";
  for (std::size_t i = 0; i < lowers.size(); ++i) {
    if (i > 0) options += ':';
    options += lowers[i];
  }
  if (!upper.empty()) options += ",upperdir=" + upper + ",workdir=" + work;
  if (index_enabled_by_default()) options += ",index=off";
  return options;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

// Returns the longest directory that contains every path.
std::string common_parent(const std::vector<std::string>& paths) {
  std::string common = parent_of(paths.front());
  for (const auto& path : paths) {
    while (common != "/" && !(path.starts_with(common) && path.size() > common.size() &&
                              path[common.size()] == '/')) {
      common = parent_of(common);
    }
  }
  return common;
}

// Mounts from a child process whose working directory is dir, so relative
// lower directories resolve there without changing this process's cwd.
// Returns 0 or the errno of chdir(2) or mount(2).
int mount_from(const std::string& dir, const std::string& target, const std::string& options) {
  pid_t pid = ::fork();
  if (pid < 0) fail_errno(errno, "forking to mount overlay on " + in_quotes(target));
  if (pid == 0) {
    // Only async-signal-safe calls here.
    if (::chdir(dir.c_str()) != 0) ::_exit(errno);
    if (::mount("overlay", target.c_str(), "overlay", MS_NODEV, options.c_str()) != 0) {
      ::_exit(errno);
    }
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail_errno(errno, "waiting for overlay mount helper");
  }
  if (!WIFEXITED(status)) {
    fail(ErrorCode::kInternal, "overlay mount helper for {} was killed", in_quotes(target));
  }
  return WEXITSTATUS(status);
}

// Mounts with options, from dir when it is not empty, and once more without
// the trailing extra options when the kernel rejects them. Returns 0 or the
// errno of the last attempt.
int mount_with_fallback(const std::string& dir, const std::string& target, std::string options,
                        const std::string& extra) {
  auto attempt = [&] {
    if (!dir.empty()) return mount_from(dir, target, options);
    return ::mount("overlay", target.c_str(), "overlay", MS_NODEV, options.c_str()) == 0 ? 0
                                                                                         : errno;
  };
  int err = attempt();
  if (err == EINVAL && !extra.empty()) {
    spdlog::debug("overlay rejected the \"{}\" option: mounting {} without it", extra.substr(1),
                  in_quotes(target));
    options.resize(options.size() - extra.size());
    err = attempt();
  }
  return err;
}

}  // namespace

void mount_overlay(const std::vector<std::string>& lower_dirs, const std::string& upper,
                   const std::string& work, const std::string& target, bool volatile_upper) {
  if (lower_dirs.empty()) {
    fail(ErrorCode::kInvalidArgument, "mounting overlay on {}: no lower directories",
         in_quotes(target));
  }
  if (upper.empty() != work.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "mounting overlay on {}: set both the upper and the work "
         "directory, or neither",
         in_quotes(target));
  }
  for (const auto& path : lower_dirs) {
    check_path(path);
    if (!path.starts_with('/')) {
      fail(ErrorCode::kInvalidArgument,
           "mounting overlay on {}: lower directory {} is not an "
           "absolute path",
           in_quotes(target), in_quotes(path));
    }
  }
  check_path(upper);
  check_path(work);
  std::string extra;
  if (!upper.empty()) {
    // A volatile mount leaves work/work/incompat/volatile behind, and the
    // kernel refuses any later mount over it: a restart after a killed
    // start would fail.
    os::remove_all(work + "/work/incompat");
    if (volatile_upper) extra = ",volatile";
  }

  const auto page_size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::string options = build_options(lower_dirs, upper, work) + extra;
  if (options.size() < page_size) {
    if (int err = mount_with_fallback("", target, options, extra); err != 0) {
      fail_errno(err,
                 "mounting overlay on " + in_quotes(target) + " (see the kernel log for details)");
    }
    return;
  }

  std::string base = common_parent(lower_dirs);
  std::vector<std::string> relative;
  relative.reserve(lower_dirs.size());
  std::size_t skip = base == "/" ? 1 : base.size() + 1;
  for (const auto& path : lower_dirs) relative.push_back(path.substr(skip));
  options = build_options(relative, upper, work) + extra;
  if (options.size() >= page_size) {
    fail(ErrorCode::kInvalidArgument,
         "mounting overlay on {}: the options for {} lower directories take {} bytes, more than "
         "the {}-byte limit even as paths relative to {}: use shorter lower paths",
         in_quotes(target), lower_dirs.size(), options.size(), page_size, in_quotes(base));
  }
  spdlog::debug("mounting overlay on {} with lower directories relative to {}", in_quotes(target),
                in_quotes(base));
  if (int err = mount_with_fallback(base, target, options, extra); err != 0) {
    fail_errno(err, "mounting overlay on " + in_quotes(target) +
                        " (lower directories relative to " + in_quotes(base) +
                        "; see the kernel log for details)");
  }
}

void unmount(const std::string& target) {
  if (::umount2(target.c_str(), MNT_DETACH) == 0) return;
  if (errno == EINVAL || errno == ENOENT) return;
  fail_errno(errno, "unmounting " + in_quotes(target));
}

}  // namespace berth::storage
