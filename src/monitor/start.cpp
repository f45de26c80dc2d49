// Starting the container: its stdio, the console socket and "RUNTIME run".

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "monitor.hpp"

namespace monitor {

namespace {

// The largest amount of runtime error output kept for the error message.
constexpr std::size_t kMaxErrorOutput = 64 * 1024;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool make_pipe(int fds[2], std::string& message) {
  if (::pipe2(fds, O_CLOEXEC) == 0) return true;
  message = std::string("creating a pipe: ") + std::strerror(errno);
  return false;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Appends what fd has to offer without blocking, up to kMaxErrorOutput.
// Returns false at end-of-file.
bool read_available(int fd, std::string& text) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return false;
    if (n < 0) return true;
    if (text.size() < kMaxErrorOutput) text.append(buffer, static_cast<std::size_t>(n));
  }
}

// Receives the pty master that the runtime sends over the console socket
// connection (SCM_RIGHTS). Returns -1 when none arrived.
int receive_pty_master(int connection) {
  char data[256];
  iovec vector{data, sizeof data};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr header{};
  header.msg_iov = &vector;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(connection, &header, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return fd;
    }
  }
  return -1;
}

// Accepts a pending console socket connection and receives the pty master.
void accept_console(int console_listen, int& master) {
  int connection = ::accept4(console_listen, nullptr, nullptr, SOCK_CLOEXEC);
  if (connection < 0) return;
  int fd = receive_pty_master(connection);
  ::close(connection);
  if (fd >= 0) {
    close_fd(master);
    master = fd;
  }
}


void drain_signal_fd(int signal_fd) {
  signalfd_siginfo info;
  while (::read(signal_fd, &info, sizeof info) == sizeof info) {
  }
}

bool read_pid_file(const std::string& path, pid_t& pid, std::string& message) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    message = "reading the container pid from \"" + path + "\": " + std::strerror(errno);
    return false;
  }
  char text[32] = {};
  ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  long value = n > 0 ? std::strtol(text, nullptr, 10) : 0;
  if (value <= 0) {
    message = "invalid container pid in \"" + path + "\"";
    return false;
  }
  pid = static_cast<pid_t>(value);
  return true;
}

}  // namespace

// Reaps every exited child. Returns the wait status of want through status.
bool reap_children(pid_t want, int& status, std::vector<std::pair<pid_t, int>>& others) {
  bool found = false;
  for (;;) {
    int child_status = 0;
    pid_t child = ::waitpid(-1, &child_status, WNOHANG);
    if (child <= 0) return found;
    if (child == want) {
      status = child_status;
      found = true;
    } else {
      others.emplace_back(child, child_status);
    }
  }
}

bool start_container(const Options& options, int signal_fd, ContainerIo& io, pid_t& pid,
                     std::vector<std::pair<pid_t, int>>& early_exits, std::string& message) {
  // child_fds are what the runtime gets as 0, 1 and 2; error_fd is where
  // its error messages can be read after it failed.
  int child_fds[3] = {-1, -1, -1};
  int error_fd = -1;
  int console_listen = -1;
  std::string console_dir;
  std::string console_path;
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  int pipe_fds[2];
  bool ok = false;

  io.terminal = options.terminal;
  if (options.terminal) {
    char dir_template[] = "/tmp/berth-console-XXXXXX";
    if (!::mkdtemp(dir_template)) {
      message = std::string("creating the console socket directory: ") + std::strerror(errno);
      goto done;
    }
    console_dir = dir_template;
    console_path = console_dir + "/console.sock";
    console_listen = listen_unix(console_path, message);
    if (console_listen < 0) goto done;
    child_fds[0] = null_fd;
    child_fds[1] = null_fd;
    if (!make_pipe(pipe_fds, message)) goto done;
    error_fd = pipe_fds[0];
    child_fds[2] = pipe_fds[1];
  } else if (options.log_driver == "passthrough") {
    // The container writes to the caller's stdout and stderr itself, so
    // the runtime's errors go there too. Copies, because child_fds are
    // closed below and the originals are closed by main.
    for (int target = 0; target < 3; ++target) {
      bool use_caller = target > 0 || options.stdin_open;
      child_fds[target] = use_caller ? ::fcntl(options.stdio_fds[target], F_DUPFD_CLOEXEC, 3)
                                     : null_fd;
      if (child_fds[target] < 0) {
        message = std::string("duplicating a passed-through fd: ") + std::strerror(errno);
        goto done;
      }
    }
  } else {
    if (options.stdin_open) {
      if (!make_pipe(pipe_fds, message)) goto done;
      child_fds[0] = pipe_fds[0];
      io.stdin_fd = pipe_fds[1];
    } else {
      child_fds[0] = null_fd;
    }
    if (!make_pipe(pipe_fds, message)) goto done;
    io.stdout_fd = pipe_fds[0];
    child_fds[1] = pipe_fds[1];
    if (!make_pipe(pipe_fds, message)) goto done;
    io.stderr_fd = pipe_fds[0];
    child_fds[2] = pipe_fds[1];
    error_fd = io.stderr_fd;
  }

  {
    std::string pid_file = options.bundle + "/pidfile";
    ::unlink(pid_file.c_str());
    bool exec = !options.exec_process.empty();
    std::string preserve_count = std::to_string(options.preserve_fds.size());
    std::vector<const char*> argv = {options.runtime.c_str(), "--root",
                                     options.runtime_root.c_str(), exec ? "exec" : "run",
                                     "--detach", "--pid-file", pid_file.c_str()};
    if (options.create_only && !exec) {
      // "create" always detaches and takes no --detach.
      argv[3] = "create";
      argv.erase(argv.begin() + 4);
    }
    if (options.terminal) {
      argv.push_back("--console-socket");
      argv.push_back(console_path.c_str());
    }
    if (exec) {
      argv.insert(argv.end(), {"--process", options.exec_process.c_str()});
      if (!options.preserve_fds.empty()) {
        argv.insert(argv.end(), {"--preserve-fds", preserve_count.c_str()});
      }
    } else {
      argv.insert(argv.end(), {"--bundle", options.bundle.c_str()});
    }
    argv.insert(argv.end(), {options.id.c_str(), nullptr});
    std::string exec_error = "cannot execute the OCI runtime " + options.runtime + "\n";
    debug("starting %s %s %s", options.runtime.c_str(), argv[3], options.id.c_str());

    pid_t runtime_pid = ::fork();
    if (runtime_pid < 0) {
      message = std::string("starting the OCI runtime: ") + std::strerror(errno);
      goto done;
    }
    if (runtime_pid == 0) {
      // Only async-signal-safe calls until exec. dup2 clears FD_CLOEXEC.
      for (int target = 0; target < 3; ++target) {
        if (child_fds[target] == target) {
          ::fcntl(target, F_SETFD, 0);
        } else {
          ::dup2(child_fds[target], target);
        }
      }
      // Preserved fds go to 3, 4, ...; each source is above every target
      // not yet written (see Options::preserve_fds).
      for (std::size_t i = 0; i < options.preserve_fds.size(); ++i) {
        int target = 3 + static_cast<int>(i);
        if (options.preserve_fds[i] == target) {
          ::fcntl(target, F_SETFD, 0);
        } else {
          ::dup2(options.preserve_fds[i], target);
        }
      }
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      struct sigaction default_action{};
      default_action.sa_handler = SIG_DFL;
      ::sigaction(SIGPIPE, &default_action, nullptr);
      ::execv(argv[0], const_cast<char* const*>(argv.data()));
      write_all(2, exec_error.data(), exec_error.size());
      ::_exit(127);
    }
    // The runtime and the container have their own copies now. The monitor
    // closes its copies, or it would never get end-of-file on the output pipes.
    for (int& fd : child_fds) {
      if (fd != null_fd) close_fd(fd);
    }
    set_nonblocking(error_fd);

    std::string error_output;
    int master = -1;
    int runtime_status = 0;
    bool runtime_done = false;
    bool error_open = true;
    while (!runtime_done) {
      pollfd fds[3] = {{signal_fd, POLLIN, 0}, {console_listen, POLLIN, 0}, {error_fd, POLLIN, 0}};
      // In terminal mode the runtime's stderr pipe is read here, so that a
      // full pipe cannot block the runtime.
      nfds_t count = 1;
      if (options.terminal) count = error_open ? 3 : 2;
      if (::poll(fds, count, -1) < 0 && errno != EINTR) {
        message = std::string("waiting for the OCI runtime: ") + std::strerror(errno);
        goto done;
      }
      if (fds[0].revents) {
        drain_signal_fd(signal_fd);
        runtime_done = reap_children(runtime_pid, runtime_status, early_exits);
      }
      if (count > 1 && fds[1].revents) accept_console(console_listen, master);
      if (count > 2 && fds[2].revents) error_open = read_available(error_fd, error_output);
    }
    debug("OCI runtime exited with status %d", exit_code_of(runtime_status));
    if (options.terminal && master < 0) accept_console(console_listen, master);

    if (exit_code_of(runtime_status) != 0) {
      read_available(error_fd, error_output);
      message = runtime_error_message(error_output);
      close_fd(master);
      goto done;
    }
    if (!read_pid_file(pid_file, pid, message)) {
      close_fd(master);
      goto done;
    }
    if (options.terminal) {
      if (master < 0) {
        message = "the OCI runtime sent no terminal over the console socket";
        goto done;
      }
      set_nonblocking(master);
      io.stdout_fd = master;
      io.stdin_fd = master;
    } else {
      set_nonblocking(io.stdout_fd);
      set_nonblocking(io.stderr_fd);
      if (io.stdin_fd >= 0) set_nonblocking(io.stdin_fd);
    }
    ok = true;
  }

done:
  for (int& fd : child_fds) {
    if (fd != null_fd) close_fd(fd);
  }
  close_fd(null_fd);
  if (options.terminal) close_fd(error_fd);
  close_fd(console_listen);
  if (!console_path.empty()) ::unlink(console_path.c_str());
  if (!console_dir.empty()) ::rmdir(console_dir.c_str());
  if (!ok && !options.terminal) {
    close_fd(io.stdout_fd);
    close_fd(io.stderr_fd);
    close_fd(io.stdin_fd);
  }
  return ok;
}

}  // namespace monitor
