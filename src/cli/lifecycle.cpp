// stop, kill, rm, wait, logs, top and the hidden container cleanup.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <utility>

#include "cli/cli.hpp"
#include "cli/targets.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "engine/wait_states.hpp"
#include "format/table.hpp"

namespace berth::cli {

void add_stop(CLI::App& parent, Cli& cli) {
  auto t = std::make_shared<Targets>();
  auto timeout = std::make_shared<int>(-1);
  auto* cmd = parent.add_subcommand("stop", "Stop one or more containers");
  add_target_flags(*cmd, *t);
  cmd->add_option("-t,--time", *timeout, "Seconds to wait before killing the container");
  cmd->callback([&cli, t, timeout] {
    cli.action = [&cli, t, timeout] {
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, *t, true);
      if (names.empty() && !t->all) fail(ErrorCode::kInvalidArgument, "no containers to stop given");
      if (auto code = check_names(engine, names, 125)) return *code;
      std::optional<int> seconds;
      if (*timeout >= 0) seconds = *timeout;
      return for_each_target(names, 125, 125, [&](const std::string& name) {
        engine.stop(name, seconds);
        std::printf("%s\n", name.c_str());
      });
    };
  });
}

void add_kill(CLI::App& parent, Cli& cli) {
  auto t = std::make_shared<Targets>();
  auto signal = std::make_shared<std::string>("SIGKILL");
  auto* cmd = parent.add_subcommand("kill", "Send a signal to one or more containers");
  add_target_flags(*cmd, *t);
  cmd->add_option("-s,--signal", *signal, "Signal to send (name or number)");
  cmd->callback([&cli, t, signal] {
    cli.action = [&cli, t, signal] {
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, *t, true);
      if (names.empty() && !t->all) fail(ErrorCode::kInvalidArgument, "no containers to kill given");
      container::parse_signal(*signal);  // a bad signal is reported before unknown names
      if (auto code = check_names(engine, names, 125)) return *code;
      return for_each_target(names, 125, 125, [&](const std::string& name) {
        engine.kill(name, *signal);
        std::printf("%s\n", name.c_str());
      });
    };
  });
}

void add_rm(CLI::App& parent, Cli& cli, const std::string& name) {
  auto t = std::make_shared<Targets>();
  auto force = std::make_shared<bool>(false);
  auto timeout = std::make_shared<int>(-1);
  auto* cmd = parent.add_subcommand(name, "Remove one or more containers");
  add_target_flags(*cmd, *t);
  cmd->add_flag("-f,--force", *force, "Stop and remove running containers");
  cmd->add_option("-t,--time", *timeout,
                  "With --force: seconds to wait for the stop signal before killing");
  // Volumes: rm -v.
  auto volumes = std::make_shared<bool>(false);
  cmd->add_flag("-v,--volumes", *volumes, "Remove the container's anonymous volumes too");
  cmd->callback([&cli, t, force, timeout, volumes] {
    cli.action = [&cli, t, force, timeout, volumes] {
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, *t, false);
      if (names.empty() && !t->all) fail(ErrorCode::kInvalidArgument, "no containers to remove given");
      // Podman: 1 for a missing container, 2 for a running one without -f.
      // With -f a container that is already gone is not an error (Podman
      // 4.2 and later), which keeps `set -e` clean-up scripts simple.
      if (auto code = check_names(engine, names, 1, *force)) return *code;
      // Pods: an infra container goes only with its pod, so --all removes
      // the pods with their members, as Podman's --all implies --depend.
      std::map<std::string, engine::PodReport> pods;
      std::vector<std::string> pod_ids;
      if (t->all) {
        for (auto& pod : engine.list_pods({})) {
          for (const auto& member : pod.members) std::erase(names, member.id);
          pod_ids.push_back(pod.id);
          pods[pod.id] = std::move(pod);
        }
      }
      int pods_code = for_each_target(pod_ids, 1, 2, [&](const std::string& pod_id) {
        const auto& pod = pods.at(pod_id);
        engine.pod_remove(pod_id, *force,
                          *timeout >= 0 ? std::optional<int>(*timeout) : std::nullopt);
        for (const auto& member : pod.members) {
          if (member.id != pod.infra_id) std::printf("%s\n", member.id.c_str());
        }
        if (!pod.infra_id.empty()) std::printf("%s\n", pod.infra_id.c_str());
      });
      int code = for_each_target(names, 1, 2, [&](const std::string& target) {
        std::vector<std::string> anonymous;
        try {
          if (*volumes) anonymous = engine.anonymous_volumes(target);
          if (*force && *timeout >= 0) engine.stop(target, *timeout);
          engine.remove(target, *force);
        } catch (const Error& e) {
          if (!*force || e.code() != ErrorCode::kNotFound) throw;
          return;
        }
        std::printf("%s\n", target.c_str());
        for (const auto& name : anonymous) {
          try {
            engine.volume_remove(name, false, std::nullopt);
          } catch (const Error& e) {
            // Another container (--volumes-from) still uses it, or it is gone.
            if (e.code() != ErrorCode::kConflict && e.code() != ErrorCode::kNotFound) throw;
          }
        }
      });
      return code != 0 ? code : pods_code;
    };
  });
}

void add_wait(CLI::App& parent, Cli& cli) {
  struct Options {
    Targets targets;
    std::vector<std::string> conditions;
    std::string interval = "250ms";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("wait", "Wait for containers to stop and print exit codes");
  add_target_flags(*cmd, o->targets, false);
  cmd->add_option("--condition", o->conditions,
                  "State to wait for (repeatable; default stopped): configured, created, "
                  "exited, healthy, initialized, paused, removing, running, stopped, stopping, "
                  "unhealthy")
      ->allow_extra_args(false);
  cmd->add_option("-i,--interval", o->interval,
                  "Time between checks of a --condition other than stopped (default 250ms)");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      engine::check_wait_states(o->conditions);
      std::int64_t interval_ns = engine::parse_wait_interval(o->interval, "--interval");
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, o->targets, false);
      if (names.empty()) fail(ErrorCode::kInvalidArgument, "no containers to wait for given");
      if (auto code = check_names(engine, names, 125)) return *code;
      return for_each_target(names, 125, 125, [&](const std::string& name) {
        int code = engine::wait_for_states(engine, name, o->conditions, interval_ns);
        std::printf("%d\n", code);
      });
    };
  });
}

void add_logs(CLI::App& parent, Cli& cli) {
  struct Options {
    Targets targets;
    container::LogOptions log;
    std::string since;
    std::string until;
    int tail = -1;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("logs", "Print the logs of one or more containers");
  add_target_flags(*cmd, o->targets, false);
  cmd->add_flag("-f,--follow", o->log.follow, "Keep printing new output");
  cmd->add_flag("-t,--timestamps", o->log.timestamps, "Print timestamps");
  cmd->add_option("--since", o->since, "Only lines since a time or duration (e.g. 10m)");
  cmd->add_option("--until", o->until, "Only lines until a time or duration");
  cmd->add_option("--tail", o->tail, "Only the last N lines (-1 for all)");
  cmd->add_flag("-n,--names", o->log.names,
                "Prefix lines with the container name instead of the ID (several containers)");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, o->targets, false);
      if (names.empty()) fail(ErrorCode::kInvalidArgument, "no container given for logs");
      if (!o->since.empty()) o->log.since_ns = parse_time_or_duration(o->since);
      if (!o->until.empty()) o->log.until_ns = parse_time_or_duration(o->until);
      if (o->tail >= 0) o->log.tail = static_cast<std::size_t>(o->tail);
      // One call for all containers: with several, their lines are merged
      // in time order, and an unknown name fails before any output (exit 125).
      try {
        engine.logs(names, o->log, STDOUT_FILENO, STDERR_FILENO);
      } catch (const Error& e) {
        print_error(e);
        return 125;
      }
      return 0;
    };
  });
}

void add_top(CLI::App& parent, Cli& cli) {
  auto t = std::make_shared<Targets>();
  auto* cmd = parent.add_subcommand("top", "Display the running processes of a container");
  cmd->add_flag("-l,--latest", t->latest, "Act on the latest container");
  // The container (unless --latest), then descriptors such as "pid args",
  // or ps(1) options such as "-eo pid,comm" taken as they are.
  cmd->prefix_command();
  cmd->allow_extras();
  cmd->fallthrough(false);
  cmd->callback([&cli, t, cmd] {
    cli.action = [&cli, t, descriptors = cmd->remaining()]() mutable {
      auto& engine = cli.engine();
      std::string target;
      if (t->latest) {
        target = engine.latest_container();
      } else if (!descriptors.empty()) {
        target = descriptors.front();
        descriptors.erase(descriptors.begin());
      } else {
        fail(ErrorCode::kInvalidArgument, "you must give a container name or ID, or --latest");
      }
      std::fputs(format::render_table(engine.top(target, descriptors)).c_str(), stdout);
      return 0;
    };
  });
}

void add_container_cleanup(CLI::App& parent, Cli& cli) {
  auto id = std::make_shared<std::string>();
  auto token = std::make_shared<std::string>();
  auto exec_session = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("cleanup", "");  // hidden: an empty description
  cmd->group("");
  cmd->add_option("id", *id, "Container ID")->required();
  cmd->add_option("--start-token", *token, "Token of the start this cleanup belongs to");
  cmd->add_option("--exec", *exec_session, "Clean up this detached exec session only");
  cmd->callback([&cli, id, token, exec_session] {
    cli.action = [&cli, id, token, exec_session] {
      std::optional<int> exit_code;
      if (const char* value = std::getenv("BERTH_EXIT_CODE")) exit_code = std::atoi(value);
      if (!exec_session->empty()) {
        if (!exit_code) {
          fail(ErrorCode::kInvalidArgument,
               "container cleanup --exec needs the session's exit code in BERTH_EXIT_CODE");
        }
        cli.engine().exec_cleanup(*id, *exec_session, *exit_code);
        return 0;
      }
      cli.engine().cleanup(*id, exit_code, *token);
      return 0;
    };
  });
}

}  // namespace berth::cli
