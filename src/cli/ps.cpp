#include <cstdio>

#include "cli/cli.hpp"
#include "format/template.hpp"
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

// The fields a --format template can use, with Podman's names.
nlohmann::json format_fields(const engine::ContainerSummary& c, std::int64_t now) {
  std::string state = c.status == "exited" ? "exited" : c.status;
  return {{"ID", c.id.substr(0, 12)},
          {"Id", c.id},
          {"Image", c.image},
          {"Command", command_text(c, true)},
          {"Created", format_rfc3339_nano(c.created_ns)},
          {"CreatedHuman", human_duration(now - c.created_ns) + " ago"},
          {"CreatedAt", format_rfc3339_nano(c.created_ns)},
          {"Status", status_text(c)},
          {"State", state},
          {"Ports", ports_text(c)},
          {"Names", c.name},
          {"ExitCode", c.exit_code},
          {"Pid", c.pid}};
}

// Unix seconds as Podman's JSON gives them; Go's zero time for unset.
std::int64_t unix_seconds(std::int64_t ns) { return ns == 0 ? -62135596800 : ns / 1000000000; }

// One container of `ps --format json`, in the shape and order of Podman's.
nlohmann::ordered_json podman_json(const engine::ContainerSummary& c, std::int64_t now) {
  nlohmann::ordered_json ports = nullptr;
  for (const auto& p : c.ports) {
    if (ports.is_null()) ports = nlohmann::ordered_json::array();
    ports.push_back({{"host_ip", p.host_ip == "0.0.0.0" ? "" : p.host_ip},
                     {"container_port", p.container_port},
                     {"host_port", p.host_port},
                     {"range", 1},
                     {"protocol", p.protocol}});
  }
  bool exited = c.status == "exited" || c.status == "stopped";
  return {{"AutoRemove", c.auto_remove},
          {"Command", c.command},
          {"CreatedAt", human_duration(now - c.created_ns) + " ago"},
          {"Exited", exited},
          {"ExitedAt", unix_seconds(c.finished_ns)},
          {"ExitCode", c.exit_code},
          {"Id", c.id},
          {"Image", c.image},
          {"ImageID", c.image_id},
          {"IsInfra", false},
          {"Labels", c.labels.empty() ? nlohmann::json(nullptr) : c.labels},
          {"Mounts", c.mounts},
          {"Names", {c.name}},
          {"Namespaces", nlohmann::ordered_json::object()},
          {"Networks", c.networks},
          {"Pid", c.pid},
          {"Pod", ""},
          {"PodName", ""},
          {"Ports", ports},
          {"Size", nullptr},
          {"StartedAt", unix_seconds(c.started_ns)},
          {"State", c.status},
          {"Status", status_text(c)},
          {"Created", c.created_ns / 1000000000}};
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
  cmd->add_option("--format", o->format, "Print with a Go template, or json");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto containers = cli.engine().list_containers(o->all || o->latest);
      // Newest first, as Podman prints them.
      if (o->latest && containers.size() > 1) containers.resize(1);
      if (o->quiet) {
        for (const auto& c : containers) {
          std::printf("%s\n", o->no_trunc ? c.id.c_str() : c.id.substr(0, 12).c_str());
        }
        return 0;
      }
      std::int64_t now = now_ns();
      if (o->format == "json") {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& c : containers) items.push_back(podman_json(c, now));
        std::printf("%s\n", items.dump(2).c_str());
        return 0;
      }
      if (!o->format.empty()) {
        nlohmann::json items = nlohmann::json::array();
        for (const auto& c : containers) items.push_back(format_fields(c, now));
        format::print_formatted(o->format, items);
        return 0;
      }
      std::vector<std::vector<std::string>> rows = {
          {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
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
