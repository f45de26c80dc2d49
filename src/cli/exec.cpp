// exec and attach.

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "cli/attached.hpp"
#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/env.hpp"
#include "os/fd.hpp"

namespace berth::cli {

namespace {

struct ExecFlags {
  container::ExecOptions options;
  std::vector<std::string> env;
  std::vector<std::string> env_files;
  std::string user;
  std::string workdir;
  bool detach = false;
  bool latest = false;
  AttachSettings settings;
};

// Runs a session in the foreground and returns the exit code of its process.
int exec_attached(engine::Engine& engine, const std::string& container, ExecFlags& f) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    fail_errno(errno, "creating the attach socket pair");
  }
  os::Fd ours(pair[0]), theirs(pair[1]);
  f.options.attach_fd = theirs.get();
  winsize size{};
  if (f.options.tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0) {
    f.options.terminal_rows = size.ws_row;
    f.options.terminal_columns = size.ws_col;
  }
  std::string session = engine.exec(container, f.options);
  theirs.reset();
  f.settings.interactive = f.options.interactive;
  f.settings.tty = f.options.tty;
  // Signals stop this client, not the process, as with Podman.
  f.settings.sig_proxy = false;
  auto result = attach_foreground(engine, container, ours.get(), f.settings);
  if (result.detached) return 0;
  std::optional<int> code = result.exit_code;
  if (!code) code = engine.exec_exit_code(container, session);
  if (!code) {
    fail(ErrorCode::kInternal, "exec session {} in container \"{}\" ended without an exit code",
         session, container);
  }
  engine.exec_finished(container, session, *code);
  return *code;
}

}  // namespace

void add_exec(CLI::App& parent, Cli& cli) {
  auto f = std::make_shared<ExecFlags>();
  auto* cmd = parent.add_subcommand("exec", "Run a process in a running container");
  auto& o = f->options;
  cmd->add_flag("-d,--detach", f->detach, "Run the process in the background and print the session ID");
  cmd->add_flag("-i,--interactive", o.interactive, "Keep stdin open");
  cmd->add_flag("-t,--tty", o.tty, "Allocate a pseudo-TTY");
  cmd->add_option("-e,--env", f->env, "Set an environment variable (KEY=VALUE or KEY)")
      ->allow_extra_args(false);
  cmd->add_option("--env-file", f->env_files, "Read environment variables from a file")
      ->allow_extra_args(false);
  cmd->add_option("-u,--user", f->user, "User (name or UID[:GID]) to run the process as");
  cmd->add_option("-w,--workdir", f->workdir, "Working directory of the process");
  cmd->add_flag("--privileged", o.privileged, "Give the process every capability");
  cmd->add_option("--preserve-fds", o.preserve_fds,
                  "Pass N more file descriptors (3 .. 3+N-1) to the process");
  cmd->add_flag("-l,--latest", f->latest, "Act on the latest container");
  add_detach_keys_flag(*cmd, f->settings);

  // Everything from the container name on belongs to the command.
  cmd->prefix_command();
  cmd->allow_extras();
  cmd->fallthrough(false);
  cmd->callback([&cli, f, cmd] {
    auto rest = cmd->remaining();
    cli.action = [&cli, f, rest]() mutable {
      // Checked before the engine opens files of its own, which could take
      // the numbers of fds the caller did not open.
      for (int fd = 3; fd < 3 + f->options.preserve_fds; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0) {
          fail(ErrorCode::kInvalidArgument,
               "invalid --preserve-fds {}: file descriptor {} is not open",
               f->options.preserve_fds, fd);
        }
      }
      auto& engine = cli.engine();
      if (!rest.empty() && rest.front().starts_with("-") && rest.front() != "-") {
        fail(ErrorCode::kInvalidArgument, "unknown flag \"{}\" for \"berth exec\"", rest.front());
      }
      std::string container;
      if (f->latest) {
        container = engine.latest_container();
      } else if (!rest.empty()) {
        container = rest.front();
        rest.erase(rest.begin());
      }
      if (container.empty() || rest.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "\"berth exec\" requires a container and a command: berth exec [options] CONTAINER "
             "COMMAND [ARG...]");
      }

      auto& o = f->options;
      o.command = rest;
      for (const auto& file : f->env_files) engine::apply_env_file(o.env, file);
      for (const auto& value : f->env) engine::apply_env_value(o.env, value);
      if (!f->user.empty()) o.user = f->user;
      if (!f->workdir.empty()) o.working_dir = f->workdir;
      if (!f->detach) detach_key_bytes(f->settings);

      if (f->detach) {
        std::printf("%s\n", engine.exec(container, o).c_str());
        return 0;
      }
      // Podman's attached exec exits 255 when the container is not running
      // (its session ends with -1 before any process starts); -d exits 125.
      try {
        return exec_attached(engine, container, *f);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kConflict) throw;
        print_error(e);
        return 255;
      }
    };
  });
}

void add_attach(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string name;
    bool latest = false;
    bool no_stdin = false;
    AttachSettings settings;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("attach", "Attach to a running container");
  cmd->add_option("container", o->name, "Container to attach to");
  cmd->add_flag("-l,--latest", o->latest, "Act on the latest container");
  cmd->add_flag("--no-stdin", o->no_stdin, "Do not attach stdin");
  cmd->add_flag("--sig-proxy", o->settings.sig_proxy,
                "Forward received signals to the container (default true)");
  add_detach_keys_flag(*cmd, o->settings);
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      if (o->latest && !o->name.empty()) {
        fail(ErrorCode::kInvalidArgument, "--latest and a container name cannot be used together");
      }
      std::string name = o->latest ? engine.latest_container() : o->name;
      if (name.empty()) fail(ErrorCode::kInvalidArgument, "attach requires the name or ID of a container");
      detach_key_bytes(o->settings);
      auto inspect = engine.inspect_container(name);
      std::string id = inspect["Id"].get<std::string>();
      os::Fd socket(container::connect_attach_socket(engine.attach_socket(id)));
      o->settings.tty = inspect["Config"]["Tty"].get<bool>();
      o->settings.interactive = !o->no_stdin && inspect["Config"]["OpenStdin"].get<bool>();
      auto result = attach_foreground(engine, id, socket.get(), o->settings);
      if (result.detached || !result.exit_code) return 0;
      return *result.exit_code;
    };
  });
}

}  // namespace berth::cli
