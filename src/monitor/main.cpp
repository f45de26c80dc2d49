// berth-monitor: see monitor.hpp for its role and options.cpp for its
// command line. The protocol with the berth CLI:
//
// - The CLI starts it with --sync-fd open and waits for it to exit. The
//   monitor forks at once, and the child calls setsid(2) and carries on, so
//   the process that watches the container is no child of the CLI.
// - On the sync fd the monitor writes exactly one line: "pid PID\n" once
//   the container runs, or "error MESSAGE\n" when it could not start it
//   (the monitor then exits 1). MESSAGE is the OCI runtime's last error
//   line, e.g. exec: "nosuch": executable file not found in $PATH.
// - While the container runs its output goes to the log driver's sink
//   (--log in the k8s-file format with UTC timestamps by default, see
//   log_sink.hpp) and to the attach clients in frames: 1 byte
//   stream (1 stdout, 2 stderr, 3 exit), 4 bytes big-endian length, payload.
// - When the container exits the monitor writes --exit-file ("CODE\n" and
//   the finish time in Unix nanoseconds on a second line), sends the exit
//   frame with the decimal code, runs the cleanup command after "--" with
//   BERTH_EXIT_CODE=CODE and exits 0.
// - Each --keep-fd is a socket bound to a published host port. The monitor
//   keeps it until the container exits, so no other program takes the port.
// - `berth-monitor --wait-for-network FIFO` is not a monitor but the OCI
//   createRuntime hook of a container on a bridge network (see
//   wait_for_network below).
// - The client on --attach-fd is the CLI that started the container. The
//   monitor waits (up to 10 s) for it to hang up before the cleanup, because
//   it may clean up in-process. When --cleanup-marker names a file and that
//   file is gone by then, that cleanup is done and the command is skipped.
// - Attach clients send frames too: 1 byte type, 4 bytes big-endian
//   length, payload. Type 0 is input for the container's stdin, 1 a
//   terminal size (2 bytes rows, 2 bytes columns, big-endian), 2 closes
//   stdin. A client that hangs up without type 2 leaves stdin open, so a
//   client can detach.
// - With --exec-process the monitor runs one exec session instead of a
//   container: "RUNTIME exec --detach --process FILE" in the running
//   container, with --bundle naming the session's directory. It serves the
//   session's stdio the same way and writes its exit code to --exit-file.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "log_sink.hpp"
#include "monitor.hpp"

namespace {

// Writes "error MESSAGE\n" to the sync fd, or to stderr when there is none.
[[noreturn]] void fail_start(int sync_fd, const std::string& message) {
  std::string line = "error " + message;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  line += '\n';
  monitor::debug("start failed: %s", message.c_str());
  monitor::write_all(sync_fd >= 0 ? sync_fd : 2, line.data(), line.size());
  ::_exit(1);
}

// Moves fd above the standard streams, so that replacing those with
// /dev/null cannot close it, and marks it close-on-exec.
int move_above_stdio(int fd) {
  if (fd < 0) return fd;
  if (fd > 2) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
  }
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

// Detaches from the CLI: the parent exits at once (the CLI waits for it),
// the child leaves the CLI's session and process group.
void detach(int sync_fd) {
  pid_t child = ::fork();
  if (child < 0) fail_start(sync_fd, std::string("fork: ") + std::strerror(errno));
  if (child > 0) ::_exit(0);
  ::setsid();
}

// Closes every fd above the standard streams except those in keep, so that
// the monitor holds none of the CLI's files (locks, databases) for the life
// of the container.
void close_inherited_fds(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned int next = 3;
  for (int fd : keep) {
    if (fd < static_cast<int>(next)) continue;
    if (fd > static_cast<int>(next)) ::close_range(next, static_cast<unsigned>(fd) - 1, 0);
    next = static_cast<unsigned>(fd) + 1;
  }
  ::close_range(next, ~0U, 0);
}

void redirect_stdio() {
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) return;
  for (int fd = 0; fd < 3; ++fd) {
    if (null_fd != fd) ::dup2(null_fd, fd);
  }
  if (null_fd > 2) ::close(null_fd);
}

// The runtime runs this as a createRuntime hook, after it has made the
// container's namespaces and before the container's process starts, while
// the CLI attaches the network in parallel. The CLI keeps FIFO open for
// writing and writes "1" when the network is ready or "0" when attaching it
// failed. A CLI that dies closes its end, and the read then returns end of file.
// Exits 0 only on "1", so the runtime starts no container without its
// network.
int wait_for_network(const char* fifo) {
  // O_NONBLOCK, so that a FIFO without a writer (the CLI died before the
  // runtime got here) does not block the open. The read below then returns
  // end of file.
  int fd = ::open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "opening %s: %s\n", fifo, std::strerror(errno));
    return 1;
  }
  ::fcntl(fd, F_SETFL, 0);
  char answer = 0;
  ssize_t n;
  while ((n = ::read(fd, &answer, 1)) < 0 && errno == EINTR) {
  }
  if (n == 1 && answer == '1') return 0;
  std::fprintf(stderr, "%s\n", n == 1 ? "setting up the network failed"
                                    : "berth stopped before the network was ready");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--wait-for-network") == 0) {
    return wait_for_network(argv[2]);
  }
  monitor::Options options;
  std::string message;
  if (!monitor::parse_options(argc, argv, options, message)) fail_start(options.sync_fd, message);
  options.sync_fd = move_above_stdio(options.sync_fd);
  options.attach_fd = move_above_stdio(options.attach_fd);
  std::vector<int> keep = {options.sync_fd, options.attach_fd};
  for (int& fd : options.keep_fds) {
    fd = move_above_stdio(fd);
    keep.push_back(fd);
  }
  for (int& fd : options.preserve_fds) {
    fd = move_above_stdio(fd);
    keep.push_back(fd);
  }
  // Log driver passthrough: the caller's stdio, handed on to the container.
  for (int& fd : options.stdio_fds) {
    fd = move_above_stdio(fd);
    keep.push_back(fd);
  }
  close_inherited_fds(keep);

  detach(options.sync_fd);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::signal(SIGPIPE, SIG_IGN);
  redirect_stdio();
  if (::chdir("/") != 0) fail_start(options.sync_fd, "chdir /: " + std::string(std::strerror(errno)));
  monitor::open_debug_log(options);
  monitor::debug("monitoring container %s", options.id.c_str());

  // SIGCHLD arrives through a signalfd so that the poll loop can wait for it.
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child_signal, nullptr);
  int signal_fd = ::signalfd(-1, &child_signal, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) fail_start(options.sync_fd, "signalfd: " + std::string(std::strerror(errno)));

  monitor::LogSink log;
  if (!monitor::open_log(options, log, message)) fail_start(options.sync_fd, message);
  int listen_fd = monitor::listen_unix(options.socket_path, message);
  if (listen_fd < 0) fail_start(options.sync_fd, message);

  monitor::ContainerIo io;
  pid_t pid = 0;
  std::vector<std::pair<pid_t, int>> early_exits;
  if (!monitor::start_container(options, signal_fd, io, pid, early_exits, message)) {
    ::unlink(options.socket_path.c_str());
    fail_start(options.sync_fd, message);
  }
  // The process has its copies of the preserved and passed-through fds now.
  for (int fd : options.preserve_fds) ::close(fd);
  for (int fd : options.stdio_fds) ::close(fd);
  int early_status = -1;
  for (const auto& [child, status] : early_exits) {
    if (child == pid) early_status = status;
  }

  char line[32];
  int size = std::snprintf(line, sizeof line, "pid %d\n", pid);
  monitor::write_all(options.sync_fd, line, static_cast<std::size_t>(size));
  ::close(options.sync_fd);
  monitor::debug("container process is %d", pid);

  return monitor::serve_container(options, signal_fd, listen_fd, log, io, pid, early_status);
}
