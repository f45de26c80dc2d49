// run, create and start.

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "cli/attached.hpp"
#include "cli/cli.hpp"
#include "cli/host_flags.hpp"
#include "cli/mount_flags.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "container/attach.hpp"
#include "engine/network_value.hpp"
#include "os/fd.hpp"

namespace berth::cli {

namespace {

struct CreateOptions {
  engine::CreateRequest request;
  std::string creds;
  std::string tls_verify;
  std::string entrypoint;
  bool entrypoint_set = false;
  std::string workdir;
  std::string user;
  std::string stop_signal;
  int stop_timeout = -1;
  bool detach = false;
  bool quiet = false;
  RetryFlags retry;  // for the pull of a missing image
  std::vector<std::string> network_aliases;  // --network-alias
  std::string ip;                            // --ip
  std::string mac_address;                   // --mac-address
};

void add_create_flags(CLI::App& cmd, CreateOptions& o) {
  auto& r = o.request;
  // -h is --hostname here, as in Podman.
  cmd.set_help_flag("--help", "Print this help message and exit");
  cmd.add_flag("-t,--tty", r.tty, "Allocate a pseudo-TTY");
  cmd.add_flag("-i,--interactive", r.interactive, "Keep stdin open");
  cmd.add_flag("--rm", r.remove, "Remove the container when it exits");
  cmd.add_option("--name", r.name, "Name of the container");
  cmd.add_option("-e,--env", r.env, "Set an environment variable (KEY=VALUE or KEY)")
      ->allow_extra_args(false);
  cmd.add_option("--env-file", r.env_files, "Read environment variables from a file")
      ->allow_extra_args(false);
  cmd.add_option("-w,--workdir", o.workdir, "Working directory inside the container");
  cmd.add_option("-u,--user", o.user, "User (name or UID[:GID]) to run the command as");
  cmd.add_option("--entrypoint", o.entrypoint, "Override the image's entrypoint");
  cmd.add_option("-p,--publish", r.publish, "Publish a port: [IP:][HOST-PORT:]CONTAINER-PORT[/PROTO]")
      ->allow_extra_args(false);
  cmd.add_option("-v,--volume", r.volumes,
                 "Mount a host path or volume: [HOST-DIR|VOLUME:]CONTAINER-DIR[:OPTIONS]")
      ->allow_extra_args(false);
  // Volumes: --mount, --tmpfs, --volumes-from, --read-only (mount_flags.cpp).
  add_mount_flags(cmd, r.mount_flags);
  cmd.add_option("--network,--net", r.network,
                 "Network: bridge, host, none or a network name, with NAME:alias=ALIAS, "
                 "ip=ADDRESS and mac=ADDRESS options");
  cmd.add_option("--network-alias", o.network_aliases,
                 "Add a name under which the container is found on its network")
      ->allow_extra_args(false);
  cmd.add_option("--ip", o.ip, "Static IPv4 address of the container on its network");
  cmd.add_option("--mac-address", o.mac_address,
                 "Static MAC address of the container on its network");
  cmd.add_option("-h,--hostname", r.hostname, "Container host name");
  // Pods and namespaces (engine/create_pod.cpp).
  cmd.add_option("--pod", r.pod, "Run in an existing pod (name or ID)");
  cmd.add_option("--ipc", r.ipc, "IPC namespace: host, private or container:NAME");
  cmd.add_option("--uts", r.uts, "UTS namespace: host, private or container:NAME");
  cmd.add_option("--pid", r.pid, "PID namespace: host, private or container:NAME");
  cmd.add_option("--pull", r.pull_policy, "Pull policy: missing, always, never or newer");
  cmd.add_option("--stop-signal", o.stop_signal, "Signal that stops the container");
  cmd.add_option("--stop-timeout", o.stop_timeout, "Seconds to wait before killing it on stop");
  cmd.add_flag("--init", r.init, "Run catatonit as PID 1 to pass on signals and reap zombies");
  cmd.add_option("--init-path", r.init_path, "Path of the init binary for --init");
  cmd.add_option("--security-opt", r.security_opts,
                 "Security option: seccomp=unconfined|FILE, no-new-privileges, label=..., "
                 "mask=PATHS, unmask=PATHS|ALL")
      ->allow_extra_args(false);
  // Security, resources, /etc files, labels, environment (host_flags.cpp).
  add_host_flags(cmd, r.host);
  cmd.add_flag("-q,--quiet", o.quiet, "Suppress pull progress");
  cmd.add_option("--restart", r.restart,
                 "Restart policy: no, always, on-failure[:MAX-RETRIES] or unless-stopped");
  // Health check.
  auto& h = r.health;
  cmd.add_option("--health-cmd", h.cmd, "Health check command, run with sh -c, or a JSON array");
  cmd.add_option("--health-interval", h.interval, "Time between health checks, or \"disable\"");
  cmd.add_option("--health-retries", h.retries, "Failed checks in a row that make it unhealthy");
  cmd.add_option("--health-start-period", h.start_period,
                 "Time after the start during which failed checks do not count");
  cmd.add_option("--health-timeout", h.timeout, "Time a health check may take");
  cmd.add_option("--health-on-failure", h.on_failure,
                 "Action when it turns unhealthy: none, kill, restart or stop");
  cmd.add_flag("--no-healthcheck", h.disabled, "Disable the image's health check");
  // Secrets.
  cmd.add_option("--secret", r.secrets,
                 "Secret NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=M]")
      ->allow_extra_args(false);
  // Log driver.
  cmd.add_option("--log-driver", r.log_driver,
                 "Log driver: k8s-file, json-file, journald, none or passthrough");
  cmd.add_option("--log-opt", r.log_opts,
                 "Log driver option: path=FILE, max-size=SIZE or tag=TEMPLATE")
      ->allow_extra_args(false);
  // User namespaces and groups.
  auto& ids = r.userns;
  cmd.add_option("--userns", ids.userns,
                 "User namespace: host, private, auto[:size=N,uidmapping=C:H:S,gidmapping=C:H:S], "
                 "keep-id, nomap or ns:PATH");
  cmd.add_option("--uidmap", ids.uidmap,
                 "UID map [FLAGS]CONTAINER_UID:HOST_UID[:SIZE] of a new user namespace; FLAGS: "
                 "+ (replace overlaps), @, u, g")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd.add_option("--gidmap", ids.gidmap,
                 "GID map [FLAGS]CONTAINER_GID:HOST_GID[:SIZE] of a new user namespace")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd.add_option("--subuidname", ids.subuidname, "Map UIDs from this user's /etc/subuid ranges");
  cmd.add_option("--subgidname", ids.subgidname, "Map GIDs from this group's /etc/subgid ranges");
  cmd.add_option("--group-add", ids.group_add,
                 "Add a supplementary group (name or GID), or keep-groups")
      ->allow_extra_args(false)
      ->delimiter(',');
  add_registry_flags(cmd, r.pull, o.creds, o.tls_verify);
  add_retry_flags(cmd, o.retry);
  // Everything from the image name on belongs to the container's command.
  cmd.prefix_command();
  cmd.allow_extras();
  cmd.fallthrough(false);
}

void finish_request(CreateOptions& o, const std::vector<std::string>& rest, const char* verb) {
  if (rest.empty()) {
    fail(ErrorCode::kInvalidArgument, "\"berth {}\" requires an image: berth {} [options] IMAGE "
         "[COMMAND [ARG...]]", verb, verb);
  }
  auto& r = o.request;
  r.image = rest.front();
  if (!r.image.empty() && r.image.front() == '-') {
    fail(ErrorCode::kInvalidArgument, "unknown flag \"{}\" for \"berth {}\"", r.image, verb);
  }
  r.command.assign(rest.begin() + 1, rest.end());
  if (o.entrypoint_set) r.entrypoint = o.entrypoint;
  if (!o.workdir.empty()) r.working_dir = o.workdir;
  if (!o.user.empty()) r.user = o.user;
  if (!o.stop_signal.empty()) r.stop_signal = o.stop_signal;
  if (o.stop_timeout >= 0) r.stop_timeout = o.stop_timeout;
  // --network-alias, --ip and --mac-address join the --network value as
  // alias=, ip= and mac= options.
  bool bridge = !(r.network == "host" || r.network == "none" ||
                  r.network.starts_with("container:") || r.network.starts_with("ns:"));
  auto add_network_option = [&](const char* flag, const std::string& option) {
    if (!bridge) {
      fail(ErrorCode::kInvalidArgument,
           "{} can only be set when the network mode is bridge, not --network {}: drop {} or "
           "use a bridge network",
           flag, r.network, flag);
    }
    engine::append_network_option(r.network, option);
  };
  for (const auto& alias : o.network_aliases) {
    add_network_option("--network-alias", "alias=" + alias);
  }
  if (!o.ip.empty()) add_network_option("--ip", "ip=" + o.ip);
  if (!o.mac_address.empty()) add_network_option("--mac-address", "mac=" + o.mac_address);
  apply_registry_flags(r.pull, o.creds, o.tls_verify);
  apply_retry_flags(o.retry, r.pull.retry, r.pull.retry_delay_ms);
  // Log driver: passthrough gives the container this process's stdio,
  // which Podman rejects when any of them is a terminal.
  if (r.log_driver == "passthrough" &&
      (::isatty(STDIN_FILENO) || ::isatty(STDOUT_FILENO) || ::isatty(STDERR_FILENO))) {
    fail(ErrorCode::kInvalidArgument, "the '--log-driver passthrough' option cannot be used on a "
         "TTY: redirect stdin, stdout and stderr away from the terminal");
  }
}

// Runs a container in the foreground: the monitor gets one end of a
// socketpair before the container starts, so no output is lost. Returns
// the container's exit code, or 0 when the user detached.
int run_attached(engine::Engine& engine, const std::string& id, const AttachSettings& settings) {
  // Bad detach keys fail before the container starts.
  detach_key_bytes(settings);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    fail_errno(errno, "creating the attach socket pair");
  }
  os::Fd ours(pair[0]), theirs(pair[1]);
  container::StartOptions options;
  options.attach_fd = theirs.get();
  winsize size{};
  if (settings.tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0) {
    options.terminal_rows = size.ws_row;
    options.terminal_columns = size.ws_col;
  }
  engine.start(id, options);
  theirs.reset();
  auto result = attach_foreground(engine, id, ours.get(), settings);
  if (result.detached) {
    spdlog::debug("detached from {}", id);
    return 0;
  }
  auto code = result.exit_code;
  spdlog::debug("container exited with {}", code.value_or(-1));
  if (!code) return engine.wait(id);
  // The monitor sends the code before its own cleanup; doing the cleanup
  // here returns sooner, and the monitor's later run finds nothing to do.
  // The monitor deletes the directories once this process has exited.
  engine.cleanup(id, *code, "", true);
  container::hand_over_netfilter_sockets(ours.get());
  spdlog::debug("cleaned up");
  return *code;
}

// Returns error with the code Podman's run gives a container that failed to
// start: 127 when the message contains "not found" or "no such file" (the
// command is missing), else 126, whatever failed (a mount, a port, the
// runtime).
Error as_run_failure(const Error& error) {
  if (error.code() == ErrorCode::kCommandNotFound ||
      error.code() == ErrorCode::kCommandNotExecutable) {
    return error;
  }
  std::string message = error.what();
  std::transform(message.begin(), message.end(), message.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool missing = message.find("not found") != std::string::npos ||
                 message.find("no such file") != std::string::npos;
  return Error(missing ? ErrorCode::kCommandNotFound : ErrorCode::kCommandNotExecutable,
               error.what(), error.sys_errno());
}

}  // namespace

void add_run(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<CreateOptions>();
  auto attach = std::make_shared<AttachSettings>();
  auto* cmd = parent.add_subcommand("run", "Run a command in a new container");
  add_create_flags(*cmd, *o);
  cmd->add_flag("-d,--detach", o->detach, "Run in the background and print the container ID");
  add_detach_keys_flag(*cmd, *attach);
  cmd->add_flag("--sig-proxy", attach->sig_proxy,
                  "Forward received signals to the container (default true)");
  auto* entrypoint = cmd->get_option("--entrypoint");
  cmd->callback([&cli, o, attach, cmd, entrypoint] {
    o->entrypoint_set = entrypoint->count() > 0;
    auto rest = cmd->remaining();
    cli.action = [&cli, o, attach, rest] {
      finish_request(*o, rest, "run");
      if (!o->detach) detach_key_bytes(*attach);
      StderrPullProgress progress(o->quiet);
      auto& engine = cli.engine();
      prepare_create(engine, o->request);  // --cidfile, --replace
      std::string id = engine.create(o->request, progress);
      finish_create(o->request, id);
      if (o->detach) {
        try {
          engine.start(id, {});
        } catch (const Error& e) {
          if (o->request.remove) engine.remove(id, true);
          throw as_run_failure(e);
        } catch (...) {
          if (o->request.remove) engine.remove(id, true);
          throw;
        }
        std::printf("%s\n", id.c_str());
        return 0;
      }
      try {
        attach->interactive = o->request.interactive;
        attach->tty = o->request.tty;
        return run_attached(engine, id, *attach);
      } catch (const std::exception& e) {
        if (o->request.remove) {
          try {
            engine.remove(id, true);
          } catch (const Error&) {
          }
        }
        if (const auto* error = dynamic_cast<const Error*>(&e)) throw as_run_failure(*error);
        throw;
      }
    };
  });
}

void add_create(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<CreateOptions>();
  auto* cmd = parent.add_subcommand("create", "Create a container without starting it");
  add_create_flags(*cmd, *o);
  auto* entrypoint = cmd->get_option("--entrypoint");
  cmd->callback([&cli, o, cmd, entrypoint] {
    o->entrypoint_set = entrypoint->count() > 0;
    auto rest = cmd->remaining();
    cli.action = [&cli, o, rest] {
      finish_request(*o, rest, "create");
      StderrPullProgress progress(o->quiet);
      prepare_create(cli.engine(), o->request);  // --cidfile, --replace
      std::string id = cli.engine().create(o->request, progress);
      finish_create(o->request, id);
      std::printf("%s\n", id.c_str());
      return 0;
    };
  });
}

void add_start(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> names;
    bool attach = false;
    bool interactive = false;
    bool latest = false;
    AttachSettings settings;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("start", "Start one or more containers");
  cmd->add_option("containers", o->names, "Containers to start");
  cmd->add_flag("-a,--attach", o->attach, "Attach to the container's output");
  cmd->add_flag("-i,--interactive", o->interactive, "Keep stdin open when attached");
  cmd->add_flag("-l,--latest", o->latest, "Act on the latest container");
  add_detach_keys_flag(*cmd, o->settings);
  cmd->add_flag("--sig-proxy", o->settings.sig_proxy,
                  "Forward received signals to the container when attached (default true)");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      auto names = o->names;
      if (o->latest) names.push_back(engine.latest_container());
      if (names.empty()) fail(ErrorCode::kInvalidArgument, "no containers to start given");
      if (o->attach) {
        if (names.size() != 1) {
          fail(ErrorCode::kInvalidArgument, "you cannot start and attach multiple containers at once");
        }
        auto summary = engine.inspect_container(names.front());
        o->settings.interactive = o->interactive;
        o->settings.tty = summary["Config"]["Tty"].get<bool>();
        o->settings.close_stdin = true;
        std::string id = summary["Id"].get<std::string>();
        if (summary["State"]["Running"].get<bool>()) {
          // Already running: attach to it, as Podman does.
          detach_key_bytes(o->settings);
          os::Fd socket(container::connect_attach_socket(engine.attach_socket(id)));
          o->settings.close_stdin = false;
          auto result = attach_foreground(engine, id, socket.get(), o->settings);
          return result.exit_code.value_or(0);
        }
        return run_attached(engine, id, o->settings);
      }
      // As Podman: every name is looked up before any container starts.
      for (const auto& name : names) engine.container_id(name);
      int exit_code = 0;
      for (const auto& name : names) {
        try {
          engine.start(name, {});
          std::printf("%s\n", name.c_str());
        } catch (const std::exception& e) {
          print_error(e);
          exit_code = exit_code_for(e);
        }
      }
      return exit_code;
    };
  });
}

}  // namespace berth::cli
