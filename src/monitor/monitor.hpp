#pragma once

// berth-monitor: one small process per container, in the role conmon plays
// for Podman. It starts the container through the OCI runtime, owns the
// container's stdio, writes the k8s-file log, serves attach clients, records
// the exit code and runs the cleanup command.
//
// It is built with -fno-exceptions and links only libc and libstdc++, so it
// never uses berth's libraries: a failure is a false return plus a message
// in the Failure out-parameter.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace monitor {

// The command line, see usage() in options.cpp.
struct Options {
  std::string id;
  std::string runtime;       // path of runc or crun
  std::string runtime_root;  // passed as "--root" to every runtime call
  std::string bundle;
  std::string log_path;
  std::string exit_file;
  std::string socket_path;
  // When set, the cleanup command runs only while this file exists: the
  // CLI's own cleanup removes it (see serve.cpp).
  std::string cleanup_marker;
  int sync_fd = -1;
  int attach_fd = -1;  // an already connected attach client, or -1
  // Sockets bound to the container's published host ports: kept open for
  // the container's life so no other program can take those ports.
  std::vector<int> keep_fds;
  // Trees to delete when the CLI did the cleanup (the marker is gone): the
  // directories it moved aside rather than delete itself.
  std::vector<std::string> remove_when_done;
  bool terminal = false;
  bool stdin_open = false;
  // init: "RUNTIME create" in place of "run --detach", so the container's
  // process waits for a later "RUNTIME start".
  bool create_only = false;
  bool debug = false;
  std::vector<char*> cleanup_argv;  // null-terminated, empty when none
  // Exec sessions: the process.json of a process to run in the running
  // container (`RUNTIME exec --process`) instead of starting the container;
  // bundle is then the session's directory. preserve_fds are passed to the
  // process as fds 3, 4, ... (`RUNTIME exec --preserve-fds`).
  std::string exec_process;
  std::vector<int> preserve_fds;
  // Health checks: a command run every timer_interval_ms while the
  // container runs (never two at once), e.g. `berth healthcheck run ID`.
  // 0: none.
  long timer_interval_ms = 0;
  std::vector<std::string> timer_argv;
  // Log driver: k8s-file (to log_path), journald, none or passthrough (the
  // container gets stdio_fds as its stdin, stdout and stderr). Records of
  // k8s-file start again after log_size_max bytes (-1: no limit); journald
  // records carry name and log_tag.
  std::string log_driver = "k8s-file";
  long long log_size_max = -1;
  std::string log_tag;
  std::string name;
  std::vector<int> stdio_fds;
};

// Reaps every exited child. Returns true and the wait status of want
// through status when want was among them; others receives the rest.
bool reap_children(pid_t want, int& status, std::vector<std::pair<pid_t, int>>& others);

// Deletes a directory tree without following symlinks or crossing mounts;
// failures are logged, not returned.
void remove_tree(const std::string& path);

// Parses argv into options. On failure returns false with message set.
bool parse_options(int argc, char** argv, Options& options, std::string& message);

// Writes all of data to fd, retrying on EINTR and short writes; a
// non-blocking fd that is full fails with EAGAIN.
bool write_all(int fd, const char* data, std::size_t size);

// Appends a debug line to the debug log when --log-level debug was given.
void debug(const char* format, ...) __attribute__((format(printf, 1, 2)));
void open_debug_log(const Options& options);

// Returns the text after the last ": " separated prefix that OCI runtimes put
// before an error ("runc run failed: unable to start container process: ")
// and the message of a runc log line (time=... level=error msg="...").
std::string runtime_error_message(const std::string& stderr_text);

// Returns the exit code of a wait status: the exit status, or 128+signal for
// a process killed by a signal.
int exit_code_of(int wait_status);

// Creates a listening unix socket at path with mode 0600. Paths longer than
// sun_path are bound through /proc/self/fd/N/NAME. Returns -1 with message.
int listen_unix(const std::string& path, std::string& message);

// The container's stdio as seen by the monitor after the runtime started it.
struct ContainerIo {
  int stdout_fd = -1;  // read end of the stdout pipe, or the pty master
  int stderr_fd = -1;  // read end of the stderr pipe; -1 with a terminal
  int stdin_fd = -1;   // write end of the stdin pipe, the pty master, or -1
  bool terminal = false;
};

// Runs "RUNTIME run --detach" (or "RUNTIME exec --detach" for an exec
// session) and fills io and pid. Exits of other
// children reaped meanwhile (the container may exit before the runtime
// does) are kept in early_exits as (pid, wait status) pairs.
bool start_container(const Options& options, int signal_fd, ContainerIo& io, pid_t& pid,
                     std::vector<std::pair<pid_t, int>>& early_exits, std::string& message);

// Serves the container until its init process pid exits: copies output to
// the log and the attach clients, forwards client input to stdin. Then
// writes the exit file, sends the exit frame, runs the cleanup command.
// Returns the process exit code for berth-monitor.
// early_status is the wait status when the container already exited during
// start_container, else -1.
struct LogSink;
int serve_container(const Options& options, int signal_fd, int listen_fd, LogSink& log,
                    ContainerIo& io, pid_t pid, int early_status);

}  // namespace monitor
