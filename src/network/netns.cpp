#include "network/netns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"

namespace berth::network {
namespace {

// Runs body on a new thread and rethrows its exception on the caller. Thread
// attributes such as the network namespace stay with the helper thread.
void run_on_helper_thread(const std::function<void()>& body) {
  std::exception_ptr failure;
  std::thread helper([&] {
    try {
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  helper.join();
  if (failure) std::rethrow_exception(failure);
}

bool is_mount_root(const std::string& path) {
  struct statx info {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &info) != 0) {
    fail_errno(errno, "inspecting \"" + path + "\"");
  }
  return (info.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
         (info.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

// Turns dir into a shared bind mount of itself once per boot. The lock keeps
// two processes from stacking two bind mounts.
void make_shared_mount(const std::string& run_dir, const std::string& dir) {
  if (is_mount_root(dir)) return;
  os::FileLock lock(run_dir + "/netns.lock");
  if (is_mount_root(dir)) return;
  if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    fail_errno(errno, "bind-mounting \"" + dir + "\" onto itself");
  }
  if (::mount(nullptr, dir.c_str(), nullptr, MS_SHARED | MS_REC, nullptr) != 0) {
    fail_errno(errno, "making \"" + dir + "\" a shared mount");
  }
}

void set_loopback_up() {
  os::Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) fail_errno(errno, "opening a socket to configure loopback");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) fail_errno(errno, "reading flags of lo");
  request.ifr_flags |= IFF_UP;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0) fail_errno(errno, "setting lo up");
}

// Sets lo up in the calling process's network namespace and returns 0 or
// the errno of the failed call. Async-signal-safe, for a forked child.
int set_loopback_up_in_child() {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return errno;
  ifreq request{};
  request.ifr_name[0] = 'l';
  request.ifr_name[1] = 'o';
  int result = 0;
  if (::ioctl(sock, SIOCGIFFLAGS, &request) != 0) {
    result = errno;
  } else {
    request.ifr_flags |= IFF_UP;
    if (::ioctl(sock, SIOCSIFFLAGS, &request) != 0) result = errno;
  }
  ::close(sock);
  return result;
}

// Creates a network namespace owned by the user namespace at userns_path
// and bind-mounts it on path. A thread cannot join a user namespace while
// its process has other threads, so a forked child joins it, unshares the
// network namespace and waits while this process mounts the child's
// /proc/PID/ns/net.
void create_netns_in_userns(const std::string& userns_path, const std::string& path) {
  os::Fd userns(::open(userns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!userns) fail_errno(errno, "opening user namespace \"" + userns_path + "\"");
  int ready[2], release[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe");
  os::Fd ready_read(ready[0]);
  os::Fd ready_write(ready[1]);
  if (::pipe2(release, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe");
  os::Fd release_read(release[0]);
  os::Fd release_write(release[1]);

  pid_t pid = ::fork();
  if (pid < 0) fail_errno(errno, "forking to create a network namespace");
  if (pid == 0) {
    // Only async-signal-safe calls here. The child closes its copy of the
    // release end, or its read below would never see end of file.
    ::close(release_write.get());
    int status = 0;
    if (::setns(userns.get(), CLONE_NEWUSER) != 0) {
      status = errno;
    } else if (::unshare(CLONE_NEWNET) != 0) {
      status = errno;
    } else {
      status = set_loopback_up_in_child();
    }
    char byte = static_cast<char>(status);
    (void)::write(ready_write.get(), &byte, 1);
    while (::read(release_read.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }

  ready_write.reset();
  release_read.reset();
  char status = 0;
  ssize_t n;
  while ((n = ::read(ready_read.get(), &status, 1)) < 0 && errno == EINTR) {
  }
  int mount_errno = 0;
  if (n == 1 && status == 0) {
    std::string source = "/proc/" + std::to_string(pid) + "/ns/net";
    if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) mount_errno = errno;
  }
  release_write.reset();
  int exit_status = 0;
  while (::waitpid(pid, &exit_status, 0) < 0 && errno == EINTR) {
  }

  if (n != 1) {
    fail(ErrorCode::kInternal, "the process creating network namespace \"{}\" exited early",
         path);
  }
  if (status != 0) {
    fail_errno(status, "creating a network namespace in user namespace \"" + userns_path + "\"");
  }
  if (mount_errno != 0) {
    fail_errno(mount_errno, "bind-mounting the network namespace at \"" + path + "\"");
  }
}

}  // namespace

std::string create_netns(const std::string& run_dir, const std::string& name,
                         const std::string& owner_userns) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    fail(ErrorCode::kInvalidArgument, "invalid network namespace name \"{}\"", name);
  }
  std::string dir = run_dir + "/netns";
  std::string path = dir + "/" + name;
  os::make_dirs(dir);
  make_shared_mount(run_dir, dir);

  {
    // The bind mount needs an existing file as its target; O_EXCL makes a
    // second creation under the same name fail instead of replacing it.
    os::Fd target(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (!target) {
      if (errno == EEXIST) {
        fail(ErrorCode::kAlreadyExists,
             "network namespace \"{}\" already exists: remove it first", path);
      }
      fail_errno(errno, "creating \"" + path + "\"");
    }
  }

  try {
    if (!owner_userns.empty()) {
      create_netns_in_userns(owner_userns, path);
    } else {
      run_on_helper_thread([&] {
        if (::unshare(CLONE_NEWNET) != 0) fail_errno(errno, "creating a network namespace");
        // /proc/thread-self names this thread, which alone is in the new namespace.
        if (::mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
          fail_errno(errno, "bind-mounting the network namespace at \"" + path + "\"");
        }
        set_loopback_up();
      });
    }
  } catch (const Error&) {
    ::umount2(path.c_str(), MNT_DETACH);
    ::unlink(path.c_str());
    throw;
  }
  spdlog::debug("created network namespace {}{}", path,
                owner_userns.empty() ? "" : " in user namespace " + owner_userns);
  return path;
}

void remove_netns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    fail_errno(errno, "unmounting network namespace \"" + path + "\"");
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    fail_errno(errno, "removing network namespace \"" + path + "\"");
  }
  spdlog::debug("removed network namespace {}", path);
}

void run_in_netns(const std::string& path, const std::function<void()>& body) {
  os::Fd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) fail_errno(errno, "opening network namespace \"" + path + "\"");
  run_on_helper_thread([&] {
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      fail_errno(errno, "joining network namespace \"" + path + "\"");
    }
    body();
  });
}

}  // namespace berth::network
