#include <cstdio>

#include "cli/cli.hpp"
#include "common/time.hpp"
#include "format/table.hpp"
#include "network/port_mapping.hpp"

namespace berth::cli {

namespace {

std::string status_text(const engine::ContainerSummary& c) {
  std::int64_t now = now_ns();
  if (c.status == "running") return "Up " + human_duration(now - c.started_ns);
  if (c.status == "exited" || c.status == "stopped") {
    return "Exited (" + std::to_string(c.exit_code) + ") " + human_duration(now - c.finished_ns) +
           " ago";
  }
  if (c.status == "created") return "Created";
  return c.status;
}

std::string ports_text(const engine::ContainerSummary& c) {
  std::string out;
  for (const auto& p : c.ports) {
    if (!out.empty()) out += ", ";
    out += network::format_port_mapping({p.host_ip, p.host_port, p.container_port, p.protocol});
  }
  return out;
}

std::string command_text(const engine::ContainerSummary& c, bool no_trunc) {
  std::string command;
  for (const auto& arg : c.command) command += (command.empty() ? "" : " ") + arg;
  if (!no_trunc && command.size() > 20) command = command.substr(0, 17) + "...";
  return command;
}

}  // namespace

void add_ps(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    bool all = false;
    bool quiet = false;
    bool no_trunc = false;
    bool latest = false;
    std::string format;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "List containers");
  cmd->add_flag("-a,--all", o->all, "Show all containers, not only running ones");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only container IDs");
  cmd->add_flag("--no-trunc", o->no_trunc, "Do not truncate IDs and commands");
  cmd->add_flag("-l,--latest", o->latest, "Show only the latest container");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto containers = cli.engine().list_containers(o->all || o->latest);
      // The engine lists newest first; Podman prints oldest first.
      std::reverse(containers.begin(), containers.end());
      if (o->latest && !containers.empty()) containers.erase(containers.begin(), containers.end() - 1);
      if (o->quiet) {
        for (const auto& c : containers) {
          std::printf("%s\n", o->no_trunc ? c.id.c_str() : c.id.substr(0, 12).c_str());
        }
        return 0;
      }
      std::vector<std::vector<std::string>> rows = {
          {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
      std::int64_t now = now_ns();
      for (const auto& c : containers) {
        rows.push_back({o->no_trunc ? c.id : c.id.substr(0, 12), c.image,
                        command_text(c, o->no_trunc), human_duration(now - c.created_ns) + " ago",
                        status_text(c), ports_text(c), c.name});
      }
      std::fputs(format::render_table(rows).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace berth::cli
