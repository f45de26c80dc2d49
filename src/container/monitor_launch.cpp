#include "container/monitor_launch.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "os/file.hpp"

extern char** environ;

namespace berth::container {

// runc and crun report a missing or unusable command only in text. Only
// messages about the exec of the command itself count: runc starts them
// with `exec: "<command>": `.
void fail_start(const std::string& message) {
  auto has = [&](const char* text) { return message.find(text) != std::string::npos; };
  bool about_exec = message.starts_with("exec: ") || has("exec: \"");
  if (about_exec && (has("executable file not found") || has("no such file or directory"))) {
    throw Error(ErrorCode::kCommandNotFound, message);
  }
  if (about_exec &&
      (has("permission denied") || has("exec format error") || has("is a directory"))) {
    throw Error(ErrorCode::kCommandNotExecutable, message);
  }
  throw Error(ErrorCode::kInternal, message);
}

MonitorLaunch spawn_monitor(const std::vector<std::string>& argv, int attach_fd,
                            const std::vector<int>& extra_fds) {
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) fail_errno(errno, "creating the monitor sync pipe");
  os::Fd sync_read(sync[0]), sync_write(sync[1]);
  os::Fd null = os::open_file("/dev/null", O_RDWR);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, null.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, null.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, null.get(), 2);
  posix_spawn_file_actions_adddup2(&actions, sync_write.get(), kMonitorSyncFd);
  if (attach_fd >= 0) posix_spawn_file_actions_adddup2(&actions, attach_fd, kMonitorAttachFd);
  // Copies above every target number first, so no dup2 overwrites a source.
  std::vector<os::Fd> high;
  for (int fd : extra_fds) {
    high.emplace_back(::fcntl(fd, F_DUPFD_CLOEXEC, 100));
    if (!high.back()) fail_errno(errno, "passing a file descriptor to berth-monitor");
  }
  for (std::size_t i = 0; i < high.size(); ++i) {
    posix_spawn_file_actions_adddup2(&actions, high[i].get(),
                                     kMonitorExtraFd + static_cast<int>(i));
  }

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) fail_errno(rc, "starting \"" + argv[0] + "\"");
  return {pid, std::move(sync_read)};
}

std::int64_t await_monitor(const std::string& container_name, MonitorLaunch& launch) {
  std::string reply;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(launch.sync_read.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  int status;
  while (::waitpid(launch.pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
  if (reply.starts_with("pid ")) return std::stoll(reply.substr(4));
  if (reply.starts_with("error ")) fail_start(reply.substr(6));
  fail(ErrorCode::kInternal, "berth-monitor for {} exited without reporting a pid{}", container_name,
       reply.empty() ? "" : ": " + reply);
}

}  // namespace berth::container
