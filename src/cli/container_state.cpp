// port, rename, pause, unpause, restart, init, mount and unmount (umount).

#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli.hpp"
#include "cli/targets.hpp"
#include "common/error.hpp"
#include "format/table.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

// Formats a published port as `port` prints it: "0.0.0.0:8080".
std::string host_address(const container::PublishedPort& port) {
  return (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) + ":" + std::to_string(port.host_port);
}

std::string port_line(const container::PublishedPort& port) {
  return std::to_string(port.container_port) + "/" + port.protocol + " -> " + host_address(port);
}

// Parses the PRIVATE[/PROTO] argument of `port`; the protocol defaults to tcp.
container::PublishedPort parse_private_port(const std::string& text) {
  container::PublishedPort wanted;
  auto slash = text.find('/');
  std::string number = text.substr(0, slash);
  if (slash != std::string::npos) wanted.protocol = text.substr(slash + 1);
  int value = 0;
  try {
    std::size_t used = 0;
    value = std::stoi(number, &used);
    if (used != number.size()) value = -1;
  } catch (const std::exception&) {
    value = -1;
  }
  if (value <= 0 || value > 65535) {
    fail(ErrorCode::kInvalidArgument, "invalid port \"{}\": use PORT or PORT/PROTOCOL, e.g. 80/tcp",
         text);
  }
  wanted.container_port = static_cast<std::uint16_t>(value);
  return wanted;
}

// Registers a command that runs action on each target and prints the
// name as given, as pause, unpause and init do.
template <typename Action>
void add_per_target(CLI::App& parent, Cli& cli, const std::string& name,
                    const std::string& description, const std::string& empty_message,
                    bool all_running_only, Action action) {
  auto t = std::make_shared<Targets>();
  auto* cmd = parent.add_subcommand(name, description);
  add_target_flags(*cmd, *t);
  cmd->callback([&cli, t, empty_message, all_running_only, action] {
    cli.action = [&cli, t, empty_message, all_running_only, action] {
      auto& engine = cli.engine();
      auto names = resolve_targets(engine, *t, all_running_only);
      if (names.empty() && !t->all) fail(ErrorCode::kInvalidArgument, "{}", empty_message);
      if (auto code = check_names(engine, names, 125)) return *code;
      return for_each_target(names, 125, 125, [&](const std::string& target) {
        action(engine, target);
        std::printf("%s\n", target.c_str());
      });
    };
  });
}

}  // namespace

void add_port(CLI::App& parent, Cli& cli) {
  auto t = std::make_shared<Targets>();
  auto* cmd = parent.add_subcommand("port", "List port mappings or a specific mapping for the container");
  cmd->add_option("args", t->names, "Container, then optionally PRIVATE_PORT[/PROTOCOL]");
  cmd->add_flag("-a,--all", t->all, "Display port information for all containers");
  cmd->add_flag("-l,--latest", t->latest, "Act on the latest container");
  cmd->callback([&cli, t] {
    cli.action = [&cli, t] {
      auto& engine = cli.engine();
      if (t->all) {
        if (!t->names.empty()) fail(ErrorCode::kInvalidArgument, "no arguments are needed with --all");
        for (const auto& c : engine.list_containers(true)) {
          for (const auto& port : engine.container_ports(c.id)) {
            std::printf("%s\t%s\n", c.id.substr(0, 12).c_str(), port_line(port).c_str());
          }
        }
        return 0;
      }
      std::vector<std::string> args = t->names;
      std::string target;
      if (t->latest) {
        target = engine.latest_container();
      } else if (!args.empty()) {
        target = args.front();
        args.erase(args.begin());
      } else {
        fail(ErrorCode::kInvalidArgument, "you must supply a running container name or ID");
      }
      if (args.size() > 1) {
        fail(ErrorCode::kInvalidArgument,
             "too many arguments: give a container and at most one PRIVATE_PORT[/PROTOCOL]");
      }
      auto ports = engine.container_ports(target);
      if (args.empty()) {
        for (const auto& port : ports) std::printf("%s\n", port_line(port).c_str());
        return 0;
      }
      auto wanted = parse_private_port(args.front());
      bool found = false;
      for (const auto& port : ports) {
        if (port.container_port != wanted.container_port || port.protocol != wanted.protocol) {
          continue;
        }
        std::printf("%s\n", host_address(port).c_str());
        found = true;
      }
      if (!found) fail(ErrorCode::kNotFound, "failed to find published port \"{}\"", args.front());
      return 0;
    };
  });
}

void add_rename(CLI::App& parent, Cli& cli) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("rename", "Rename an existing container");
  cmd->add_option("args", *args, "CONTAINER NEW_NAME");
  cmd->callback([&cli, args] {
    cli.action = [&cli, args] {
      if (args->size() != 2) {
        fail(ErrorCode::kInvalidArgument, "accepts 2 arg(s), received {}: give CONTAINER NEW_NAME",
             args->size());
      }
      cli.engine().rename_container((*args)[0], (*args)[1]);
      return 0;
    };
  });
}

void add_pause(CLI::App& parent, Cli& cli) {
  add_per_target(parent, cli, "pause", "Pause all the processes in one or more containers",
                 "you must provide at least one name or ID", true,
                 [](engine::Engine& engine, const std::string& target) { engine.pause(target); });
}

void add_unpause(CLI::App& parent, Cli& cli) {
  // --all picks the paused containers only, so that it does not fail on the others.
  auto t = std::make_shared<Targets>();
  auto* cmd = parent.add_subcommand("unpause", "Unpause the processes in one or more containers");
  add_target_flags(*cmd, *t);
  cmd->callback([&cli, t] {
    cli.action = [&cli, t] {
      auto& engine = cli.engine();
      Targets named = *t;
      named.all = false;
      auto names = resolve_targets(engine, named, false);
      if (t->all) {
        if (!t->names.empty() || t->latest) {
          fail(ErrorCode::kInvalidArgument, "--all and containers cannot be used together");
        }
        for (const auto& c : engine.list_containers(true)) {
          if (c.status == "paused") names.push_back(c.id);
        }
      }
      if (names.empty() && !t->all) {
        fail(ErrorCode::kInvalidArgument, "you must provide at least one name or ID");
      }
      if (auto code = check_names(engine, names, 125)) return *code;
      return for_each_target(names, 125, 125, [&](const std::string& target) {
        engine.unpause(target);
        std::printf("%s\n", target.c_str());
      });
    };
  });
}

void add_restart(CLI::App& parent, Cli& cli) {
  auto t = std::make_shared<Targets>();
  auto timeout = std::make_shared<int>(-1);
  auto running = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("restart", "Restart one or more containers");
  add_target_flags(*cmd, *t);
  cmd->add_option("-t,--time", *timeout, "Seconds to wait for stop before killing the container");
  cmd->add_flag("--running", *running, "With --all: restart only the running containers");
  cmd->callback([&cli, t, timeout, running] {
    cli.action = [&cli, t, timeout, running] {
      auto& engine = cli.engine();
      if (*running && !t->all) {
        fail(ErrorCode::kInvalidArgument, "--running can only be used with --all");
      }
      auto names = resolve_targets(engine, *t, *running);
      if (names.empty() && !t->all) {
        fail(ErrorCode::kInvalidArgument, "you must provide at least one name or ID");
      }
      if (auto code = check_names(engine, names, 125)) return *code;
      std::optional<int> seconds;
      if (*timeout >= 0) seconds = *timeout;
      return for_each_target(names, 125, 125, [&](const std::string& target) {
        engine.restart(target, seconds);
        std::printf("%s\n", target.c_str());
      });
    };
  });
}

void add_init(CLI::App& parent, Cli& cli) {
  add_per_target(parent, cli, "init", "Initialize one or more containers",
                 "you must provide at least one name or ID", false,
                 [](engine::Engine& engine, const std::string& target) { engine.init(target); });
}

void add_mount(CLI::App& parent, Cli& cli) {
  struct Options {
    Targets targets;
    bool no_truncate = false;
    std::string format;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("mount", "Mount a working container's root filesystem");
  add_target_flags(*cmd, o->targets);
  cmd->add_flag("--notruncate", o->no_truncate, "Do not truncate the output");
  cmd->add_option("--format", o->format, "Print the mounted containers as JSON (json)");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      if (!o->format.empty() && !format::is_json_format(o->format)) {
        fail(ErrorCode::kInvalidArgument, "unknown --format \"{}\": only json is supported",
             o->format);
      }
      auto names = resolve_targets(engine, o->targets, false);
      if (!names.empty()) {
        if (auto code = check_names(engine, names, 125)) return *code;
        return for_each_target(names, 125, 125, [&](const std::string& target) {
          std::printf("%s\n", engine.mount_container(target).c_str());
        });
      }
      auto mounted = engine.mounted_containers();
      if (format::is_json_format(o->format)) {
        nlohmann::json items = nlohmann::json::array();
        for (const auto& m : mounted) {
          items.push_back({{"id", m.id}, {"Names", {m.name}}, {"mountpoint", m.mount_point}});
        }
        std::printf("%s\n", items.dump(1).c_str());
        return 0;
      }
      for (const auto& m : mounted) {
        std::string id = o->no_truncate ? m.id : m.id.substr(0, 12);
        std::printf("%s  %s\n", id.c_str(), m.mount_point.c_str());
      }
      return 0;
    };
  });
}

void add_unmount(CLI::App& parent, Cli& cli, const std::string& name) {
  auto t = std::make_shared<Targets>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Unmount working container's root filesystem");
  add_target_flags(*cmd, *t);
  cmd->add_flag("-f,--force", *force, "Unmount even when other users of the mount remain");
  cmd->callback([&cli, t, force] {
    cli.action = [&cli, t, force] {
      auto& engine = cli.engine();
      Targets named = *t;
      named.all = false;
      auto names = resolve_targets(engine, named, false);
      if (t->all) {
        if (!t->names.empty() || t->latest) {
          fail(ErrorCode::kInvalidArgument, "--all and containers cannot be used together");
        }
        for (const auto& m : engine.mounted_containers()) names.push_back(m.id);
      }
      if (names.empty() && !t->all) {
        fail(ErrorCode::kInvalidArgument, "you must provide at least one name or ID");
      }
      if (auto code = check_names(engine, names, 125)) return *code;
      return for_each_target(names, 125, 125, [&](const std::string& target) {
        engine.unmount_container(target, *force);
        std::printf("%s\n", target.c_str());
      });
    };
  });
}

}  // namespace berth::cli
