#include "storage/idmapped_mount.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"
#include "storage/overlay_mount.hpp"

namespace berth::storage {

namespace {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

void write_map(pid_t pid, const char* name, const std::string& map) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  os::Fd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!file) fail_errno(errno, "opening " + path);
  // The kernel takes the whole map in one write(2).
  ssize_t written = ::write(file.get(), map.data(), map.size());
  if (written != static_cast<ssize_t>(map.size())) {
    fail_errno(written < 0 ? errno : EIO, "writing the ID map " + in_quotes(map) + " to " + path);
  }
}

// The helper process: unshares its user namespace, reports that on ready,
// then waits until release is closed.
class NamespaceHolder {
 public:
  NamespaceHolder() {
    int ready[2], release[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe");
    ready_ = os::Fd(ready[0]);
    os::Fd ready_write(ready[1]);
    if (::pipe2(release, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe");
    os::Fd release_read(release[0]);
    release_ = os::Fd(release[1]);
    pid_ = ::fork();
    if (pid_ < 0) fail_errno(errno, "forking to create a user namespace");
    if (pid_ == 0) {
      // Only async-signal-safe calls here. The child closes its copy of
      // the release end, or its read below would never see end of file.
      ::close(release_.get());
      char status = ::unshare(CLONE_NEWUSER) == 0 ? 0 : static_cast<char>(errno);
      (void)::write(ready_write.get(), &status, 1);
      char byte;
      while (::read(release_read.get(), &byte, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ready_write.reset();
    release_read.reset();
    char status = 0;
    ssize_t n;
    while ((n = ::read(ready_.get(), &status, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) {
      finish();
      fail(ErrorCode::kInternal, "the user namespace helper exited before it was ready");
    }
    if (status != 0) {
      finish();
      fail_errno(status, "creating a user namespace");
    }
  }
  NamespaceHolder(const NamespaceHolder&) = delete;
  NamespaceHolder& operator=(const NamespaceHolder&) = delete;
  ~NamespaceHolder() { finish(); }

  pid_t pid() const { return pid_; }

 private:
  void finish() {
    if (pid_ <= 0) return;
    release_.reset();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  pid_t pid_ = -1;
  os::Fd ready_;
  os::Fd release_;
};

}  // namespace

void mount_idmapped(const std::string& source, const std::string& target, int userns_fd) {
  os::Fd tree(::open_tree(AT_FDCWD, source.c_str(),
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree) fail_errno(errno, "cloning the mount of " + in_quotes(source));
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<std::uint64_t>(userns_fd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
    fail_errno(errno, "idmapping the mount of " + in_quotes(source) +
                          " (the kernel or file system may not support idmapped mounts)");
  }
  if (::move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    fail_errno(errno, "attaching the idmapped mount of " + in_quotes(source) + " on " +
                          in_quotes(target));
  }
}

os::Fd create_user_namespace(const std::string& uid_map, const std::string& gid_map) {
  NamespaceHolder holder;
  write_map(holder.pid(), "uid_map", uid_map);
  write_map(holder.pid(), "gid_map", gid_map);
  std::string path = "/proc/" + std::to_string(holder.pid()) + "/ns/user";
  os::Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) fail_errno(errno, "opening " + path);
  return ns;
}

void bind_user_namespace(int userns_fd, const std::string& path) {
  {
    os::Fd target(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (!target) {
      if (errno == EEXIST) {
        fail(ErrorCode::kAlreadyExists, "user namespace file \"{}\" already exists: remove it first",
             path);
      }
      fail_errno(errno, "creating " + in_quotes(path));
    }
  }
  std::string source = "/proc/self/fd/" + std::to_string(userns_fd);
  if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    fail_errno(err, "bind-mounting the user namespace at " + in_quotes(path));
  }
}

void unbind_user_namespace(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    fail_errno(errno, "unmounting user namespace file " + in_quotes(path));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    fail_errno(errno, "removing user namespace file " + in_quotes(path));
  }
}

void mount_overlay_idmapped(const std::vector<std::string>& lower_dirs, const std::string& upper,
                            const std::string& work, const std::string& target,
                            bool volatile_upper, int userns_fd, const std::string& scratch) {
  std::vector<std::string> mapped;
  // Detaches the temporary mounts on every path out, also after a failure.
  struct Detach {
    std::vector<std::string>& dirs;
    ~Detach() {
      for (const auto& dir : dirs) {
        ::umount2(dir.c_str(), MNT_DETACH);
        ::rmdir(dir.c_str());
      }
    }
  } detach{mapped};
  for (std::size_t i = 0; i < lower_dirs.size(); ++i) {
    std::string dir = scratch + "/" + std::to_string(i);
    ::umount2(dir.c_str(), MNT_DETACH);  // left by a killed start
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      fail_errno(errno, "creating " + in_quotes(dir));
    }
    mapped.push_back(dir);
    mount_idmapped(lower_dirs[i], dir, userns_fd);
  }
  mount_overlay(mapped, upper, work, target, volatile_upper);
}

}  // namespace berth::storage
