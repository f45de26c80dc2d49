// stop, kill, rm, wait, logs, top and the hidden container cleanup.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "format/table.hpp"

namespace berth::cli {

namespace {

struct Targets {
  std::vector<std::string> names;
  bool all = false;
  bool latest = false;
};

void add_target_flags(CLI::App& cmd, Targets& t, bool with_all = true) {
  cmd.add_option("containers", t.names, "Containers (names or IDs)");
  if (with_all) cmd.add_flag("-a,--all", t.all, "Act on all containers");
  cmd.add_flag("-l,--latest", t.latest, "Act on the latest container");
}

// Expands the targets; `running_only` limits --all to running containers.
std::vector<std::string> resolve_targets(engine::Engine& engine, const Targets& t,
                                         bool running_only) {
  if ((t.all || t.latest) && !t.names.empty()) {
    fail(ErrorCode::kInvalidArgument, "--{} and containers cannot be used together",
         t.all ? "all" : "latest");
  }
  if (t.all && t.latest) {
    fail(ErrorCode::kInvalidArgument, "--all and --latest cannot be used together");
  }
  std::vector<std::string> names = t.names;
  if (t.all) {
    for (const auto& c : engine.list_containers(!running_only)) names.push_back(c.id);
  }
  if (t.latest) names.push_back(engine.latest_container());
  return names;
}

// Podman looks every name up before acting on any, so one unknown name
// fails the whole command and changes nothing. Prints the error and returns
// not_found_code for the first unknown name; with skip_missing (rm -f) the
// unknown names are dropped from names instead.
std::optional<int> check_names(engine::Engine& engine, std::vector<std::string>& names,
                               int not_found_code, bool skip_missing = false) {
  std::vector<std::string> known;
  for (const auto& name : names) {
    try {
      engine.container_id(name);
      known.push_back(name);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
      if (skip_missing) continue;
      print_error(e);
      return not_found_code;
    }
  }
  names = std::move(known);
  return std::nullopt;
}

// Runs body for each target, printing errors, and returns Podman's exit code:
// 0, or the code of the last failure (not_found_code for a missing container,
// conflict_code for one in the wrong state).
template <typename Body>
int for_each_target(const std::vector<std::string>& names, int not_found_code, int conflict_code,
                    Body&& body) {
  int exit_code = 0;
  for (const auto& name : names) {
    try {
      body(name);
    } catch (const Error& e) {
      print_error(e);
      exit_code = e.code() == ErrorCode::kNotFound   ? not_found_code
                  : e.code() == ErrorCode::kConflict ? conflict_code
                                                     : 125;
    }
  }
  return exit_code;
}

}  // namespace

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
      return for_each_target(names, 1, 2, [&](const std::string& target) {
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
    };
  });
}

void add_wait(CLI::App& parent, Cli& cli) {
  auto t = std::make_shared<Targets>();
  auto* cmd = parent.add_subcommand("wait", "Wait for containers to stop and print exit codes");
  add_target_flags(*cmd, *t, false);
  cmd->callback([&cli, t] {
    cli.action = [&cli, t] {
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, *t, false);
      if (names.empty()) fail(ErrorCode::kInvalidArgument, "no containers to wait for given");
      if (auto code = check_names(engine, names, 125)) return *code;
      return for_each_target(names, 125, 125, [&](const std::string& name) {
        std::printf("%d\n", engine.wait(name));
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
  auto* cmd = parent.add_subcommand("logs", "Print the logs of a container");
  add_target_flags(*cmd, o->targets, false);
  cmd->add_flag("-f,--follow", o->log.follow, "Keep printing new output");
  cmd->add_flag("-t,--timestamps", o->log.timestamps, "Print timestamps");
  cmd->add_option("--since", o->since, "Only lines since a time or duration (e.g. 10m)");
  cmd->add_option("--until", o->until, "Only lines until a time or duration");
  cmd->add_option("--tail", o->tail, "Only the last N lines (-1 for all)");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, o->targets, false);
      if (names.empty()) fail(ErrorCode::kInvalidArgument, "no container given for logs");
      if (!o->since.empty()) o->log.since_ns = parse_time_or_duration(o->since);
      if (!o->until.empty()) o->log.until_ns = parse_time_or_duration(o->until);
      if (o->tail >= 0) o->log.tail = static_cast<std::size_t>(o->tail);
      return for_each_target(names, 125, 125, [&](const std::string& name) {
        engine.logs(name, o->log, STDOUT_FILENO, STDERR_FILENO);
      });
    };
  });
}

void add_top(CLI::App& parent, Cli& cli) {
  auto t = std::make_shared<Targets>();
  auto* cmd = parent.add_subcommand("top", "Display the running processes of a container");
  cmd->add_option("args", t->names, "Container (unless --latest), then descriptors such as pid args");
  cmd->add_flag("-l,--latest", t->latest, "Act on the latest container");
  cmd->callback([&cli, t] {
    cli.action = [&cli, t] {
      auto& engine = cli.engine();
      std::string target;
      std::vector<std::string> descriptors = t->names;
      if (t->latest) {
        target = engine.latest_container();
      } else if (!descriptors.empty()) {
        target = descriptors.front();
        descriptors.erase(descriptors.begin());
      } else {
        fail(ErrorCode::kInvalidArgument, "you must give a container name or ID, or --latest");
      }
      // "-eo pid,args" style lists are split on commas, as ps(1) does.
      std::vector<std::string> split;
      for (const auto& d : descriptors) {
        std::size_t start = 0;
        while (start <= d.size()) {
          auto comma = d.find(',', start);
          std::string part = d.substr(start, comma - start);
          if (!part.empty()) split.push_back(part);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
      std::fputs(format::render_table(engine.top(target, split)).c_str(), stdout);
      return 0;
    };
  });
}

void add_container_cleanup(CLI::App& parent, Cli& cli) {
  auto id = std::make_shared<std::string>();
  auto token = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("cleanup", "");  // hidden: an empty description
  cmd->group("");
  cmd->add_option("id", *id, "Container ID")->required();
  cmd->add_option("--start-token", *token, "Token of the start this cleanup belongs to");
  cmd->callback([&cli, id, token] {
    cli.action = [&cli, id, token] {
      std::optional<int> exit_code;
      if (const char* value = std::getenv("BERTH_EXIT_CODE")) exit_code = std::atoi(value);
      cli.engine().cleanup(*id, exit_code, *token);
      return 0;
    };
  });
}

}  // namespace berth::cli
