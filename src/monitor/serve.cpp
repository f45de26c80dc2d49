// Serving a running container: log (log_sink.cpp), attach clients, stdin, exit handling.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "log_sink.hpp"
#include "monitor.hpp"

extern char** environ;

namespace monitor {

namespace {

// Stream ids of the attach frame header.
constexpr unsigned char kStdoutStream = 1;
constexpr unsigned char kStderrStream = 2;
constexpr unsigned char kExitStream = 3;
// Types of the frames clients send (see main.cpp).
constexpr unsigned char kInputData = 0;
constexpr unsigned char kInputResize = 1;
constexpr unsigned char kInputClose = 2;
// The largest input frame payload a client may send.
constexpr std::size_t kMaxInputFrame = 1 << 20;

// A client whose unsent output grows past this is dropped, so that a slow
// reader never blocks the container.
constexpr std::size_t kMaxClientBuffer = 1 << 20;
// Client input is not read while this much is waiting for the container.
constexpr std::size_t kMaxStdinBuffer = 1 << 20;
// How long the exit frame may take to reach the clients.
constexpr int kFinalFlushMs = 5000;
// How long the client that started the container may take to clean up.
constexpr int kStarterCleanupMs = 10000;

struct Client {
  int fd = -1;
  std::string pending;  // frames not yet sent
  std::string input;    // received bytes not yet parsed into frames
  bool input_open = true;
  bool starter = false;  // the --attach-fd client, whose CLI started the container
};

struct Session {
  const Options* options = nullptr;
  LogSink* log = nullptr;
  ContainerIo* io = nullptr;
  std::vector<Client> clients;
  std::string stdin_pending;
  bool close_stdin = false;  // after stdin_pending is written
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Sends what the client can take now. Returns false when the client is gone.
bool flush_client(Client& client) {
  while (!client.pending.empty()) {
    ssize_t n = ::send(client.fd, client.pending.data(), client.pending.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    client.pending.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

void drop_client(Session& session, std::size_t index, const char* reason) {
  debug("dropping attach client fd %d: %s", session.clients[index].fd, reason);
  ::close(session.clients[index].fd);
  session.clients.erase(session.clients.begin() + static_cast<std::ptrdiff_t>(index));
}

// Queues one frame (stream id, 4-byte big-endian length, payload) for every
// client and sends what each can take now.
void broadcast(Session& session, unsigned char stream, const char* data, std::size_t size) {
  char header[5] = {static_cast<char>(stream), static_cast<char>((size >> 24) & 0xff),
                    static_cast<char>((size >> 16) & 0xff), static_cast<char>((size >> 8) & 0xff),
                    static_cast<char>(size & 0xff)};
  for (std::size_t i = session.clients.size(); i-- > 0;) {
    Client& client = session.clients[i];
    client.pending.append(header, sizeof header);
    client.pending.append(data, size);
    if (!flush_client(client)) {
      drop_client(session, i, "connection closed");
    } else if (client.pending.size() > kMaxClientBuffer) {
      drop_client(session, i, "too slow, more than 1 MiB of output unsent");
    }
  }
}

void add_client(Session& session, int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  Client client;
  client.fd = fd;
  session.clients.push_back(std::move(client));
  debug("attach client fd %d connected", fd);
}

// Closes the container's stdin pipe once the queued input is written. A
// terminal stays open, since its master also carries the output.
void maybe_close_stdin(Session& session) {
  ContainerIo& io = *session.io;
  if (!session.close_stdin || io.terminal || !session.stdin_pending.empty()) return;
  if (io.stdin_fd >= 0) debug("closing the container's stdin");
  close_fd(io.stdin_fd);
}

void write_stdin(Session& session) {
  ContainerIo& io = *session.io;
  while (!session.stdin_pending.empty() && io.stdin_fd >= 0) {
    ssize_t n = ::write(io.stdin_fd, session.stdin_pending.data(), session.stdin_pending.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      // The container closed its stdin: what clients send from now on is lost.
      session.stdin_pending.clear();
      if (!io.terminal) close_fd(io.stdin_fd);
      return;
    }
    session.stdin_pending.erase(0, static_cast<std::size_t>(n));
  }
  maybe_close_stdin(session);
}

// Sets the terminal's size from a resize frame's payload; the kernel
// then signals SIGWINCH to the terminal's foreground process group.
void resize_terminal(Session& session, const unsigned char* payload, std::size_t size) {
  ContainerIo& io = *session.io;
  if (!io.terminal || io.stdout_fd < 0 || size != 4) return;
  winsize window{};
  window.ws_row = static_cast<unsigned short>((payload[0] << 8) | payload[1]);
  window.ws_col = static_cast<unsigned short>((payload[2] << 8) | payload[3]);
  if (::ioctl(io.stdout_fd, TIOCSWINSZ, &window) != 0) {
    debug("resizing the terminal failed: %s", std::strerror(errno));
  }
}

// Handles the complete frames in client.input. Returns false for a frame
// no client of this protocol sends.
bool parse_client_frames(Session& session, Client& client) {
  std::size_t offset = 0;
  while (client.input.size() - offset >= 5) {
    auto* p = reinterpret_cast<const unsigned char*>(client.input.data() + offset);
    std::size_t length = (std::size_t{p[1]} << 24) | (std::size_t{p[2]} << 16) |
                         (std::size_t{p[3]} << 8) | std::size_t{p[4]};
    if (p[0] > kInputClose || length > kMaxInputFrame) return false;
    if (client.input.size() - offset - 5 < length) break;
    const unsigned char* payload = p + 5;
    if (p[0] == kInputData && session.io->stdin_fd >= 0 && !session.close_stdin) {
      session.stdin_pending.append(reinterpret_cast<const char*>(payload), length);
    } else if (p[0] == kInputResize) {
      resize_terminal(session, payload, length);
    } else if (p[0] == kInputClose && session.io->terminal) {
      // The terminal cannot be closed, since its master also carries the
      // output. Input from later clients must still reach the container.
      debug("attach client fd %d closed its input; the terminal stays open", client.fd);
    } else if (p[0] == kInputClose) {
      session.close_stdin = true;
    }
    offset += 5 + length;
  }
  client.input.erase(0, offset);
  write_stdin(session);
  return true;
}

// Reads client frames: input into stdin_pending, resizes, stdin closes.
// Returns false when the client is gone or broke the protocol.
bool read_client(Session& session, Client& client) {
  char buffer[8192];
  ssize_t n = ::recv(client.fd, buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n < 0) return false;
  if (n == 0) {
    // A hang-up without a close frame leaves stdin open: the client detached.
    client.input_open = false;
    return true;
  }
  client.input.append(buffer, static_cast<std::size_t>(n));
  return parse_client_frames(session, client);
}

// Copies one read of output to the log and the clients. Returns false at
// end-of-file (EIO is how a pty master reports that every slave is closed).
bool copy_output(Session& session, int fd, unsigned char stream) {
  char buffer[8192];
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  write_log(*session.log, stream, buffer, static_cast<std::size_t>(n));
  broadcast(session, stream, buffer, static_cast<std::size_t>(n));
  return true;
}

void close_output(Session& session, int& fd) {
  ContainerIo& io = *session.io;
  if (io.terminal && fd == io.stdin_fd) io.stdin_fd = -1;
  close_fd(fd);
}

// Reads what is left in fd after the container exited. The number of reads
// is bounded in case a process outside the container keeps the pipe open
// and writing.
void drain_fd(Session& session, int& fd, unsigned char stream) {
  for (int reads = 0; fd >= 0 && reads < 256; ++reads) {
    pollfd check{fd, POLLIN, 0};
    if (::poll(&check, 1, 0) <= 0) return;
    if (!copy_output(session, fd, stream)) close_output(session, fd);
  }
}

// Writes "CODE\nFINISH_NS\n" to the exit file through a temporary file and
// rename(2), so that readers see either nothing or the whole record.
void write_exit_file(const std::string& path, int code) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  char text[64];
  int size = std::snprintf(text, sizeof text, "%d\n%lld\n", code,
                           static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || !write_all(fd, text, static_cast<std::size_t>(size)) || ::close(fd) != 0 ||
      ::rename(temporary.c_str(), path.c_str()) != 0) {
    debug("writing the exit file %s failed: %s", path.c_str(), std::strerror(errno));
  }
}

// Returns argv0 itself when it has a slash, else its first match in PATH.
std::string find_program(const char* argv0) {
  if (std::strchr(argv0, '/')) return argv0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + argv0;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return argv0;
}

// Runs the cleanup command with BERTH_EXIT_CODE set and waits for it.
void run_cleanup(const Options& options, int code) {
  if (options.cleanup_argv.empty()) return;
  std::string program = find_program(options.cleanup_argv[0]);
  std::string code_variable = "BERTH_EXIT_CODE=" + std::to_string(code);
  std::vector<char*> env;
  for (char** entry = environ; *entry; ++entry) {
    if (std::strncmp(*entry, "BERTH_EXIT_CODE=", 16) != 0) env.push_back(*entry);
  }
  env.push_back(code_variable.data());
  env.push_back(nullptr);

  debug("running cleanup %s", program.c_str());
  pid_t child = ::fork();
  if (child < 0) {
    debug("starting cleanup failed: %s", std::strerror(errno));
    return;
  }
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action{};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_action, nullptr);
    ::execve(program.c_str(), options.cleanup_argv.data(), env.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  debug("cleanup exited with %d", exit_code_of(status));
}

long elapsed_ms(const timespec& start) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
}

// Sends the exit frame and waits up to kFinalFlushMs for the clients to
// take it, then closes them, except the starter, whose fd is returned (-1
// when it is gone).
int finish_clients(Session& session, int code) {
  std::string text = std::to_string(code);
  broadcast(session, kExitStream, text.data(), text.size());
  timespec start{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    std::vector<pollfd> fds;
    for (const auto& client : session.clients) {
      if (!client.pending.empty()) fds.push_back({client.fd, POLLOUT, 0});
    }
    if (fds.empty()) break;
    long elapsed = elapsed_ms(start);
    if (elapsed >= kFinalFlushMs) break;
    if (::poll(fds.data(), fds.size(), static_cast<int>(kFinalFlushMs - elapsed)) <= 0) break;
    for (std::size_t i = session.clients.size(); i-- > 0;) {
      if (!flush_client(session.clients[i])) drop_client(session, i, "connection closed");
    }
  }
  int starter = -1;
  for (auto& client : session.clients) {
    if (client.starter && client.pending.empty()) {
      starter = client.fd;
    } else {
      ::close(client.fd);
    }
  }
  session.clients.clear();
  return starter;
}

// Waits until the starter closes its end, at most kStarterCleanupMs. A
// foreground `berth run` cleans up in-process after the exit frame and only
// then closes; input still in flight is read and dropped.
// Waits until the starting client hangs up and returns the descriptors it
// sent meanwhile (its nftables sockets, see
// container::hand_over_netfilter_sockets). The caller closes them last,
// after the client has exited and the deletions are done.
std::vector<int> wait_for_hangup(int fd) {
  timespec start{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  bool eof = false;
  std::vector<int> received;
  for (;;) {
    long elapsed = elapsed_ms(start);
    if (elapsed >= kStarterCleanupMs) {
      debug("the starting client is still connected after %d ms", kStarterCleanupMs);
      break;
    }
    // After EOF the socket stays readable; only a hang-up ends the wait.
    pollfd p{fd, static_cast<short>(eof ? 0 : POLLIN), 0};
    int ready = ::poll(&p, 1, static_cast<int>(kStarterCleanupMs - elapsed));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (p.revents & (POLLHUP | POLLERR)) != 0) break;
    char buffer[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
    iovec io{buffer, sizeof buffer};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n == 0) eof = true;
    if (n < 0 && errno != EINTR && errno != EAGAIN) break;
    for (cmsghdr* h = CMSG_FIRSTHDR(&message); n > 0 && h != nullptr; h = CMSG_NXTHDR(&message, h)) {
      if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
      std::size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int passed;
        std::memcpy(&passed, CMSG_DATA(h) + i * sizeof(int), sizeof passed);
        received.push_back(passed);
      }
    }
  }
  ::close(fd);
  return received;
}


// Starts the timer command (see Options::timer_argv) without waiting for
// it. Returns its pid, or -1 when the fork failed.
pid_t start_timer_command(const Options& options) {
  std::string program = find_program(options.timer_argv[0].c_str());
  std::vector<char*> argv;
  for (const auto& arg : options.timer_argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    debug("starting the timer command failed: %s", std::strerror(errno));
    return -1;
  }
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action{};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_action, nullptr);
    ::execve(program.c_str(), argv.data(), environ);
    ::_exit(127);
  }
  debug("timer command started as %d", child);
  return child;
}

enum Tag : int { kSignal = -1, kListen = -2, kStdout = -3, kStderr = -4, kStdin = -5 };

}  // namespace

int serve_container(const Options& options, int signal_fd, int listen_fd, LogSink& log,
                    ContainerIo& io, pid_t pid, int early_status) {
  Session session;
  session.options = &options;
  session.log = &log;
  session.io = &io;
  if (options.attach_fd >= 0) {
    add_client(session, options.attach_fd);
    session.clients.back().starter = true;
  }

  int status = early_status;
  bool exited = early_status != -1;
  // The timer: the next run is due at next_timer_ms after timer_start,
  // counted from the end of the previous run.
  timespec timer_start{};
  ::clock_gettime(CLOCK_MONOTONIC, &timer_start);
  long next_timer_ms = options.timer_interval_ms;
  pid_t timer_child = -1;
  std::vector<pollfd> fds;
  std::vector<int> tags;
  while (!exited) {
    fds.clear();
    tags.clear();
    auto watch = [&](int fd, short events, int tag) {
      fds.push_back({fd, events, 0});
      tags.push_back(tag);
    };
    watch(signal_fd, POLLIN, kSignal);
    if (listen_fd >= 0) watch(listen_fd, POLLIN, kListen);
    if (io.stdout_fd >= 0) watch(io.stdout_fd, POLLIN, kStdout);
    if (io.stderr_fd >= 0) watch(io.stderr_fd, POLLIN, kStderr);
    if (io.stdin_fd >= 0 && !session.stdin_pending.empty()) watch(io.stdin_fd, POLLOUT, kStdin);
    bool accept_input = session.stdin_pending.size() < kMaxStdinBuffer;
    for (std::size_t i = 0; i < session.clients.size(); ++i) {
      const Client& client = session.clients[i];
      short events = (client.input_open && accept_input ? POLLIN : 0) |
                     (client.pending.empty() ? 0 : POLLOUT);
      watch(client.fd, events, static_cast<int>(i));
    }

    int timeout = -1;
    if (options.timer_interval_ms > 0 && timer_child < 0) {
      long wait = next_timer_ms - elapsed_ms(timer_start);
      timeout = wait > 0 ? static_cast<int>(wait) : 0;
    }
    if (::poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR) continue;
      debug("poll failed: %s", std::strerror(errno));
      break;
    }
    if (options.timer_interval_ms > 0 && timer_child < 0 &&
        elapsed_ms(timer_start) >= next_timer_ms) {
      timer_child = start_timer_command(options);
      if (timer_child < 0) next_timer_ms = elapsed_ms(timer_start) + options.timer_interval_ms;
    }

    // Clients are visited from the back so that dropping one keeps the
    // indexes of those not yet visited.
    for (std::size_t k = fds.size(); k-- > 0;) {
      short revents = fds[k].revents;
      if (revents == 0) continue;
      int tag = tags[k];
      if (tag == kSignal) {
        signalfd_siginfo info;
        while (::read(signal_fd, &info, sizeof info) == sizeof info) {
        }
        std::vector<std::pair<pid_t, int>> others;
        exited = reap_children(pid, status, others) || exited;
        for (const auto& [child, child_status] : others) {
          if (child != timer_child) continue;
          debug("timer command exited with %d", exit_code_of(child_status));
          timer_child = -1;
          next_timer_ms = elapsed_ms(timer_start) + options.timer_interval_ms;
        }
      } else if (tag == kListen) {
        int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) add_client(session, client);
      } else if (tag == kStdout) {
        if (io.stdout_fd >= 0 && !copy_output(session, io.stdout_fd, kStdoutStream)) {
          close_output(session, io.stdout_fd);
        }
      } else if (tag == kStderr) {
        if (io.stderr_fd >= 0 && !copy_output(session, io.stderr_fd, kStderrStream)) {
          close_fd(io.stderr_fd);
        }
      } else if (tag == kStdin) {
        write_stdin(session);
      } else if (static_cast<std::size_t>(tag) < session.clients.size()) {
        std::size_t index = static_cast<std::size_t>(tag);
        Client& client = session.clients[index];
        bool alive = true;
        if (revents & POLLOUT) alive = flush_client(client);
        if (alive && (revents & POLLIN)) alive = read_client(session, client);
        if (alive && (revents & (POLLHUP | POLLERR)) && !(revents & POLLIN)) alive = false;
        if (!alive) drop_client(session, index, "connection closed");
      }
    }
  }

  int code = exit_code_of(status);
  debug("container process %d exited with %d", pid, code);
  // The host ports are free again before anyone learns of the exit, so a
  // restart right after it can bind them.
  for (int fd : options.keep_fds) ::close(fd);
  // New attach clients would only wait for output that cannot come.
  close_fd(listen_fd);
  ::unlink(options.socket_path.c_str());
  drain_fd(session, io.stdout_fd, kStdoutStream);
  drain_fd(session, io.stderr_fd, kStderrStream);
  close_fd(io.stdout_fd);
  close_fd(io.stderr_fd);
  if (!io.terminal) close_fd(io.stdin_fd);
  write_exit_file(options.exit_file, code);
  // Attached clients get the exit code before the cleanup runs: a
  // foreground `berth run` does the cleanup itself in-process, which is
  // faster than waiting for a second berth process to start, and removes
  // the cleanup marker when done. The cleanup command then runs only when
  // that CLI died first. Cleanup is idempotent, so the two never conflict.
  int starter = finish_clients(session, code);
  std::vector<int> passed;
  // Only a starter that may clean up in-process is waited for.
  if (starter >= 0 && options.cleanup_marker.empty()) {
    ::close(starter);
  } else if (starter >= 0) {
    passed = wait_for_hangup(starter);
  }
  if (!options.cleanup_marker.empty() && ::access(options.cleanup_marker.c_str(), F_OK) != 0 &&
      errno == ENOENT) {
    debug("cleanup marker %s is gone: the CLI cleaned up", options.cleanup_marker.c_str());
    for (const auto& path : options.remove_when_done) remove_tree(path);
    for (int fd : passed) ::close(fd);
    return 0;
  }
  for (int fd : passed) ::close(fd);
  run_cleanup(options, code);
  return 0;
}

}  // namespace monitor
