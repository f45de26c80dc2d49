#include "os/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "common/error.hpp"
#include "os/fd.hpp"

extern char** environ;

namespace berth::os {

std::optional<std::string> find_in_path(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return program;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string self_path() {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n < 0) fail_errno(errno, "reading /proc/self/exe");
  return std::string(buffer, static_cast<std::size_t>(n));
}

std::string self_dir() {
  std::string path = self_path();
  return path.substr(0, path.rfind('/'));
}

namespace {
void make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno(errno, "pipe");
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
}
}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<std::string>& input) {
  if (argv.empty()) fail(ErrorCode::kInternal, "run_process: empty argv");
  auto program = find_in_path(argv[0]);
  if (!program) fail(ErrorCode::kNotFound, "executable \"{}\" not found in PATH", argv[0]);

  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  make_pipe(in_r, in_w);
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid;
  int rc = ::posix_spawn(&pid, program->c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) fail_errno(rc, "starting \"" + *program + "\"");
  in_r.reset();
  out_w.reset();
  err_w.reset();

  std::string pending = input.value_or("");
  if (pending.empty()) in_w.reset();

  ProcessResult result;
  while (out_r || err_r) {
    pollfd fds[3];
    nfds_t n = 0;
    if (out_r) fds[n++] = {out_r.get(), POLLIN, 0};
    if (err_r) fds[n++] = {err_r.get(), POLLIN, 0};
    if (in_w) fds[n++] = {in_w.get(), POLLOUT, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "poll");
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (in_w && fds[i].fd == in_w.get()) {
        ssize_t w = ::write(in_w.get(), pending.data(), pending.size());
        if (w > 0) pending.erase(0, static_cast<std::size_t>(w));
        if (w < 0 || pending.empty()) in_w.reset();
        continue;
      }
      char buffer[8192];
      ssize_t r = ::read(fds[i].fd, buffer, sizeof buffer);
      if (r < 0 && errno == EINTR) continue;
      bool is_out = out_r && fds[i].fd == out_r.get();
      if (r <= 0) {
        (is_out ? out_r : err_r).reset();
      } else {
        (is_out ? result.out : result.err).append(buffer, static_cast<std::size_t>(r));
      }
    }
  }
  int status;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail_errno(errno, "waitpid");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace berth::os
