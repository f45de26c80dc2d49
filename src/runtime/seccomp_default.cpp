// The default seccomp profile: an allow list in the style of the profiles
// that Podman (containers/common) and Docker ship. Syscalls that are not
// listed fail with ENOSYS so that libc falls back to older calls (clone3 to
// clone, for example), and the dangerous ones fail with EPERM. Syscalls that
// need a capability are allowed only when the container has it.
//
// Names that the host's libseccomp does not know are skipped by runc and
// crun, so one list serves every architecture.

#include <algorithm>
#include <cerrno>

#include "runtime/spec.hpp"

namespace berth::runtime {

using nlohmann::json;

namespace {

constexpr const char* kAllowed[] = {
    "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
    "cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
    "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
    "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
    "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
    "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
    "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
    "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
    "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
    "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
    "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
    "futex_wake", "futimesat", "get_robust_list", "get_thread_area", "getcpu", "getcwd",
    "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid",
    "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp",
    "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
    "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt",
    "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
    "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy",
    "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup", "io_submit", "ioctl",
    "ioprio_get", "ioprio_set", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
    "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore",
    "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
    "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
    "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
    "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open",
    "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
    "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
    "process_mrelease", "process_vm_readv", "process_vm_writev", "pselect6",
    "pselect6_time64", "ptrace", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
    "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64",
    "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
    "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
    "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
    "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64",
    "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_robust_list",
    "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
    "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
    "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
    "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32",
    "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socket", "socketcall", "socketpair", "splice",
    "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
    "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
    "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev",
    // x86 only; unknown elsewhere and then skipped.
    "arch_prctl", "modify_ldt",
};

// Syscalls allowed only with a capability.
struct CapabilityGate {
  const char* capability;
  std::vector<const char*> syscalls;
};

const std::vector<CapabilityGate>& capability_gates() {
  static const std::vector<CapabilityGate> gates = {
      {"CAP_SYS_ADMIN",
       {"bpf", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
        "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at",
        "open_tree", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname",
        "sethostname", "setns", "syslog", "umount", "umount2", "unshare"}},
      {"CAP_SYS_BOOT", {"reboot"}},
      {"CAP_SYS_CHROOT", {"chroot"}},
      {"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module"}},
      {"CAP_SYS_PACCT", {"acct"}},
      {"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise"}},
      {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
      {"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
      {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
      {"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
      {"CAP_SYSLOG", {"syslog"}},
      {"CAP_BPF", {"bpf"}},
      {"CAP_PERFMON", {"perf_event_open"}},
      {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
  };
  return gates;
}

// Syscalls that fail with EPERM unless a capability gate allowed them:
// loading kernel code, rebooting, changing the clock, keyrings and other
// calls that reach outside the container's namespaces.
constexpr const char* kDenied[] = {
    "acct", "add_key", "bpf", "clock_settime", "clock_settime64", "create_module",
    "delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
    "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount",
    "mount_setattr", "move_mount", "move_pages", "migrate_pages", "name_to_handle_at",
    "nfsservctl", "open_by_handle_at", "open_tree", "perf_event_open", "pidfd_getfd",
    "pivot_root", "quotactl", "quotactl_fd", "query_module", "reboot", "request_key",
    "set_mempolicy", "setdomainname", "sethostname", "setns", "settimeofday", "stime",
    "swapoff", "swapon", "syslog", "_sysctl", "sysfs", "umount", "umount2", "unshare",
    "uselib", "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
};

// Namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC,
// NEWUSER, NEWPID and NEWNET. Without CAP_SYS_ADMIN clone is allowed only
// when none of them is set.
constexpr unsigned long kCloneNamespaceFlags = 0x7E020000;

// The native architecture plus 32-bit x86 for i386 binaries. Podman also
// lists x32, but every listed architecture repeats the whole filter, and
// compiling it is most of runc's start time (measured here: 57 ms with x32,
// 46 ms without, 36 ms native only). x32 system calls are disabled by
// default in Debian's kernels (CONFIG_X86_X32_DISABLED) and compiled out of
// many others, so they fail with ENOSYS either way.
json architectures() {
#if defined(__x86_64__)
  return {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
#elif defined(__aarch64__)
  return {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
#else
  return json::array();
#endif
}

}  // namespace

json default_seccomp_profile(const std::vector<std::string>& capabilities) {
  auto has_cap = [&](const char* cap) {
    return std::find(capabilities.begin(), capabilities.end(), cap) != capabilities.end();
  };

  std::vector<std::string> allowed(std::begin(kAllowed), std::end(kAllowed));
  for (const auto& gate : capability_gates()) {
    if (!has_cap(gate.capability)) continue;
    for (const char* name : gate.syscalls) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        allowed.push_back(name);
      }
    }
  }
  std::vector<std::string> denied;
  for (const char* name : kDenied) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) denied.push_back(name);
  }

  json syscalls = json::array();
  syscalls.push_back({{"names", allowed}, {"action", "SCMP_ACT_ALLOW"}});
  // personality(2): only the Linux and 32-bit personalities and queries.
  for (unsigned long persona : {0x0UL, 0x8UL, 0x20000UL, 0x20008UL, 0xffffffffUL}) {
    syscalls.push_back({{"names", {"personality"}},
                        {"action", "SCMP_ACT_ALLOW"},
                        {"args", {{{"index", 0}, {"value", persona}, {"op", "SCMP_CMP_EQ"}}}}});
  }
  if (has_cap("CAP_SYS_ADMIN")) {
    syscalls.push_back({{"names", {"clone"}}, {"action", "SCMP_ACT_ALLOW"}});
  } else {
#if defined(__s390__) || defined(__s390x__)
    constexpr int kCloneFlagsIndex = 1;  // s390 swaps the first two arguments
#else
    constexpr int kCloneFlagsIndex = 0;
#endif
    syscalls.push_back({{"names", {"clone"}},
                        {"action", "SCMP_ACT_ALLOW"},
                        {"args",
                         {{{"index", kCloneFlagsIndex},
                           {"value", kCloneNamespaceFlags},
                           {"valueTwo", 0},
                           {"op", "SCMP_CMP_MASKED_EQ"}}}}});
  }
  if (!denied.empty()) {
    syscalls.push_back({{"names", denied}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EPERM}});
  }

  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"defaultErrnoRet", ENOSYS},
          {"architectures", architectures()},
          {"syscalls", syscalls}};
}

}  // namespace berth::runtime
