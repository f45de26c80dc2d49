#pragma once

// Exec sessions: a process started in a running container by its own
// berth-monitor, which serves the process's stdio on the session's attach
// socket and records its exit code. A session lives in the container's run
// directory (Paths::exec_session_dir), so it ends with the container.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::container {

struct ExecOptions {
  std::vector<std::string> command;  // argv; must not be empty
  // KEY=VALUE entries that replace the container's variables of that name.
  std::vector<std::string> env;
  std::optional<std::string> user;         // unset: the container's user
  std::optional<std::string> working_dir;  // unset: the container's
  bool tty = false;
  bool interactive = false;  // keep stdin open
  bool privileged = false;   // every capability
  // Fds 3 .. 3 + preserve_fds - 1 of the caller, passed on to the process;
  // the caller checks that it opened them.
  int preserve_fds = 0;
  // A connected socket the monitor adopts as the session's first attach
  // client, or -1 for a detached session.
  int attach_fd = -1;
  std::uint16_t terminal_rows = 0;
  std::uint16_t terminal_columns = 0;
};

// Starts command in the running container and returns the session's ID
// once the process runs. Throws Error{kConflict} when the container is not
// running, Error{kNotFound} for an unknown user, kCommandNotFound (exit
// 127) or kCommandNotExecutable (126) when the command cannot run.
// pid, when given, receives the process's host pid.
std::string exec(Context& ctx, const state::ContainerRecord& record, const ExecOptions& options,
                 std::int64_t* pid = nullptr);

// One exec session, as inspect and the exec wait read it.
struct ExecSession {
  std::string id;
  std::vector<std::string> command;
  bool running = false;
  std::optional<int> exit_code;  // set once the process exited
};

// Returns the container's exec sessions, oldest first.
std::vector<ExecSession> exec_sessions(Context& ctx, const std::string& container_id);

}  // namespace berth::container
