// ps: list containers, with Podman's filters, sorting, sizes, namespaces
// and --format fields.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/container_filter.hpp"
#include "engine/container_json.hpp"
#include "format/table.hpp"
#include "format/template.hpp"
#include "network/port_ranges.hpp"

namespace berth::cli {

namespace {

struct PsOptions {
  bool all = false;
  bool quiet = false;
  bool no_trunc = false;
  bool latest = false;
  int last = -1;
  bool size = false;
  bool namespaces = false;
  bool pod = false;
  bool external = false;
  std::string format;
  std::string sort = "created";
  std::vector<std::string> filters;
  // Pods: each member's pod, for --pod, the Pod fields and --filter pod=.
  struct PodOf {
    std::string id;
    std::string name;
    bool infra = false;
  };
  std::map<std::string, PodOf> pod_of;
};

// Pods: fills o.pod_of from the engine's pods and takes the pod= filters out
// of o.filters; returns those values.
std::vector<std::string> load_pods(engine::Engine& engine, PsOptions& o) {
  std::vector<std::string> wanted;
  std::vector<std::string> rest;
  for (const auto& f : o.filters) {
    if (f.starts_with("pod=")) {
      wanted.push_back(f.substr(4));
    } else {
      rest.push_back(f);
    }
  }
  o.filters = rest;
  bool needed = o.pod || !wanted.empty() || o.format.find("Pod") != std::string::npos ||
                o.format.find("IsInfra") != std::string::npos;
  if (!needed) return wanted;
  for (const auto& pod : engine.list_pods({})) {
    for (const auto& member : pod.members) {
      o.pod_of[member.id] = {pod.id, pod.name, member.id == pod.infra_id};
    }
  }
  return wanted;
}

bool in_pods(const PsOptions& o, const std::string& id, const std::vector<std::string>& wanted) {
  auto it = o.pod_of.find(id);
  if (it == o.pod_of.end()) return false;
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
    return it->second.name == w || (!w.empty() && it->second.id.starts_with(w));
  });
}

constexpr std::array<const char*, 8> kSortKeys = {"command", "created", "id",         "image",
                                                  "names",   "runningfor", "size", "status"};

// The PORTS column: consecutive ports as one range, as Podman prints them.
std::string ports_text(const engine::ContainerSummary& c) {
  std::vector<network::PortMapping> mappings;
  for (const auto& p : c.ports) {
    mappings.push_back({p.host_ip, p.host_port, p.container_port, p.protocol});
  }
  std::string out;
  for (const auto& run : network::group_port_runs(std::move(mappings))) {
    if (!out.empty()) out += ", ";
    out += network::format_port_run(run);
  }
  return out;
}

std::string command_text(const engine::ContainerSummary& c, bool no_trunc) {
  std::string command;
  for (const auto& arg : c.command) command += (command.empty() ? "" : " ") + arg;
  if (!no_trunc && command.size() > 20) command = command.substr(0, 17) + "...";
  return command;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// A byte count as go-units' HumanSizeWithPrecision(n, 3) writes it, the
// way Podman prints ps sizes: "12B", "1.99MB".
std::string compact_size(std::int64_t bytes) {
  std::string text = format::human_size(static_cast<double>(bytes));
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  return text;
}

std::string size_text(const engine::ContainerSize& size) {
  return compact_size(size.rw_size) + " (virtual " + compact_size(size.rootfs_size) + ")";
}

bool is_exited(const engine::ContainerSummary& c) {
  return c.status == "exited" || c.status == "stopped";
}

// The fields a --format template can use, with Podman's names.
nlohmann::json format_fields(const engine::ContainerSummary& c, const PsOptions& o,
                             const std::optional<engine::ContainerSize>& size, std::int64_t now) {
  std::string created_human = human_duration(now - c.created_ns) + " ago";
  nlohmann::json fields = {{"ID", o.no_trunc ? c.id : c.id.substr(0, 12)},
                           {"Id", c.id},
                           {"Image", c.image},
                           {"ImageID", c.image_id},
                           {"Command", command_text(c, o.no_trunc)},
                           {"Created", go_time_string(c.created_ns)},
                           {"CreatedAt", go_time_string(c.created_ns)},
                           {"CreatedHuman", created_human},
                           {"RunningFor", created_human},
                           {"Status", engine::container_status_text(c, now)},
                           {"State", c.status == "stopped" ? "exited" : c.status},
                           {"Ports", ports_text(c)},
                           {"Names", c.name},
                           {"Labels", c.labels.is_object() ? c.labels : nlohmann::json::object()},
                           {"Mounts", join(c.mounts, ",")},
                           {"Networks", join(c.networks, ",")},
                           {"Size", size ? size_text(*size) : ""},
                           {"Pod", o.pod_of.contains(c.id) ? o.pod_of.at(c.id).id.substr(0, 12) : ""},
                           {"PodName", o.pod_of.contains(c.id) ? o.pod_of.at(c.id).name : ""},
                           {"ExitCode", c.exit_code},
                           {"Exited", is_exited(c)},
                           {"ExitedAt", engine::unix_seconds_or_zero_time(c.finished_ns)},
                           {"StartedAt", engine::unix_seconds_or_zero_time(c.started_ns)},
                           {"Pid", c.pid},
                           {"AutoRemove", c.auto_remove},
                           {"IsInfra", o.pod_of.contains(c.id) && o.pod_of.at(c.id).infra},
                           {"Restarts", c.restart_count}};
  for (const auto& [field, name] : engine::kPodmanNamespaces) fields[field] = engine::namespace_id(c.pid, name);
  return fields;
}

void validate_sort(const std::string& sort) {
  if (std::find(kSortKeys.begin(), kSortKeys.end(), sort) != kSortKeys.end()) return;
  fail(ErrorCode::kInvalidArgument,
       "invalid --sort \"{}\": use command, created, id, image, names, runningfor, size or status",
       sort);
}

// Sorts as Podman does: every key ascending, so created lists the oldest
// first, runningfor orders by start time (never started first) and status
// by the state's name.
void sort_containers(std::vector<engine::ContainerSummary>& containers, const std::string& key,
                     const std::map<std::string, engine::ContainerSize>& sizes) {
  auto text_key = [&](const engine::ContainerSummary& c) -> std::string {
    if (key == "command") return command_text(c, true);
    if (key == "id") return c.id;
    if (key == "image") return c.image;
    if (key == "names") return c.name;
    return c.status;
  };
  std::stable_sort(containers.begin(), containers.end(),
                   [&](const engine::ContainerSummary& a, const engine::ContainerSummary& b) {
                     if (key == "created") return a.created_ns < b.created_ns;
                     if (key == "runningfor") return a.started_ns < b.started_ns;
                     if (key == "size") {
                       auto size_a = sizes.contains(a.id) ? sizes.at(a.id).rw_size : 0;
                       auto size_b = sizes.contains(b.id) ? sizes.at(b.id).rw_size : 0;
                       return size_a < size_b;
                     }
                     return text_key(a) < text_key(b);
                   });
}

// The default table, with the POD and SIZE columns --pod and --size add,
// or the namespace table of --ns.
void print_default_table(const std::vector<engine::ContainerSummary>& containers,
                         const PsOptions& o, const std::map<std::string, engine::ContainerSize>& sizes,
                         std::int64_t now) {
  std::vector<std::vector<std::string>> rows;
  if (o.namespaces) {
    rows.push_back({"CONTAINER ID", "NAMES", "PID", "CGROUPNS", "IPC", "MNT", "NET", "PIDNS",
                    "USERNS", "UTS"});
    for (const auto& c : containers) {
      std::vector<std::string> row = {o.no_trunc ? c.id : c.id.substr(0, 12), c.name,
                                      std::to_string(c.pid)};
      for (const auto& [field, name] : engine::kPodmanNamespaces) row.push_back(engine::namespace_id(c.pid, name));
      rows.push_back(std::move(row));
    }
    std::fputs(format::render_table(rows).c_str(), stdout);
    return;
  }
  std::vector<std::string> header = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                     "STATUS",       "PORTS", "NAMES"};
  if (o.pod) header.insert(header.end(), {"POD ID", "PODNAME"});
  if (o.size) header.push_back("SIZE");
  rows.push_back(header);
  for (const auto& c : containers) {
    std::vector<std::string> row = {o.no_trunc ? c.id : c.id.substr(0, 12),
                                    c.image,
                                    command_text(c, o.no_trunc),
                                    human_duration(now - c.created_ns) + " ago",
                                    engine::container_status_text(c, now_ns()),
                                    ports_text(c),
                                    c.name};
    if (o.pod) {
      auto pod = o.pod_of.find(c.id);
      bool member = pod != o.pod_of.end();
      row.insert(row.end(), {member ? pod->second.id.substr(0, 12) : "",
                             member ? pod->second.name : ""});
    }
    if (o.size) row.push_back(sizes.contains(c.id) ? size_text(sizes.at(c.id)) : "");
    rows.push_back(std::move(row));
  }
  std::fputs(format::render_table(rows).c_str(), stdout);
}

// True when a template names the Size field, so that sizes are computed
// only when printed.
bool wants_size(const PsOptions& o) {
  return o.size || o.sort == "size" || o.format.find(".Size") != std::string::npos;
}

int run_ps(Cli& cli, PsOptions& o) {
  validate_sort(o.sort);
  auto pod_filters = load_pods(cli.engine(), o);
  auto filter = engine::parse_container_filters(o.filters);
  // As in Podman, --latest does not exist in remote mode.
  if (o.latest && cli.remote()) cli.engine().latest_container();
  if (o.latest) o.last = 1;
  if (o.last == 0) o.last = -1;
  bool all = o.all || o.last > 0 || filter.has("status");
  auto& engine = cli.engine();
  auto every = engine.list_containers(true);
  std::vector<engine::ContainerSummary> containers;
  for (const auto& c : every) {
    if (all || c.status == "running") containers.push_back(c);
  }
  if (!filter.empty()) containers = engine::match_containers(containers, every, filter);
  if (!pod_filters.empty()) {
    std::erase_if(containers, [&](const auto& c) { return !in_pods(o, c.id, pod_filters); });
  }

  std::map<std::string, engine::ContainerSize> sizes;
  if (wants_size(o)) {
    for (const auto& c : containers) {
      try {
        sizes[c.id] = engine.container_size(c.id);
      } catch (const Error& e) {
        // A container removed since the listing has no size to show.
        if (e.code() != ErrorCode::kNotFound) throw;
      }
    }
  }
  if (o.last > 0) {
    // --last keeps the newest N, which --sort then orders.
    sort_containers(containers, "created", sizes);
    if (containers.size() > static_cast<std::size_t>(o.last)) {
      containers.erase(containers.begin(), containers.end() - o.last);
    }
  }
  sort_containers(containers, o.sort, sizes);

  auto size_of = [&](const engine::ContainerSummary& c) -> std::optional<engine::ContainerSize> {
    if (!o.size || !sizes.contains(c.id)) return std::nullopt;
    return sizes.at(c.id);
  };
  if (o.quiet) {
    for (const auto& c : containers) {
      std::printf("%s\n", o.no_trunc ? c.id.c_str() : c.id.substr(0, 12).c_str());
    }
    return 0;
  }
  std::int64_t now = now_ns();
  if (format::is_json_format(o.format)) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (const auto& c : containers) items.push_back(engine::podman_container_json(c, size_of(c), o.namespaces, now));
    std::printf("%s\n", items.dump(2).c_str());
    return 0;
  }
  if (!o.format.empty()) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& c : containers) {
      auto size = sizes.contains(c.id) ? std::optional(sizes.at(c.id)) : std::nullopt;
      items.push_back(format_fields(c, o, size, now));
    }
    format::FormatOptions options;
    options.name = "ps";
    options.type_name = "container";
    options.headers = {{"ID", "CONTAINER ID"},   {"Id", "CONTAINER ID"},
                       {"CreatedHuman", "CREATED"}, {"Pod", "POD ID"},
                       {"PodName", "PODNAME"},   {"Cgroup", "CGROUPNS"},
                       {"User", "USERNS"}};
    options.default_table =
        "{{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.CreatedHuman}}\\t{{.Status}}\\t{{.Ports}}\\t"
        "{{.Names}}";
    format::print_formatted(o.format, items, options);
    return 0;
  }
  print_default_table(containers, o, sizes, now);
  return 0;
}

}  // namespace

void add_ps(CLI::App& parent, Cli& cli, const std::string& name) {
  auto o = std::make_shared<PsOptions>();
  auto* cmd = parent.add_subcommand(name, "List containers");
  cmd->add_flag("-a,--all", o->all, "Show all containers, not only running ones");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only container IDs");
  cmd->add_flag("--no-trunc", o->no_trunc, "Do not truncate IDs and commands");
  cmd->add_flag("-l,--latest", o->latest, "Show only the latest container");
  cmd->add_option("-n,--last", o->last, "Show the N most recently created containers");
  cmd->add_option("-f,--filter", o->filters,
                  "Show only containers that match KEY=VALUE: id, name, label, label!, exited, "
                  "status, ancestor, before, since, volume, health, pod, network");
  cmd->add_option("--sort", o->sort,
                  "Sort by command, created (default), id, image, names, runningfor, size or "
                  "status");
  cmd->add_flag("-s,--size", o->size, "Show the size of each container's writes and root fs");
  cmd->add_flag("--ns", o->namespaces, "Show the namespace IDs of each container's process");
  cmd->add_flag("-p,--pod", o->pod, "Show the pod ID and name of each container");
  cmd->add_flag("--external", o->external, "Show containers of other tools too (none exist)");
  cmd->add_option("--format", o->format, "Print with a Go template, table TEMPLATE, or json");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] { return run_ps(cli, *o); };
  });
}

void add_container_exists(CLI::App& parent, Cli& cli) {
  auto name = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("exists", "Check whether a container exists");
  cmd->add_option("container", *name, "Container name or ID")->required();
  cmd->callback([&cli, name] {
    cli.action = [&cli, name] {
      try {
        cli.engine().container_id(*name);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kNotFound) return 1;
        throw;
      }
      return 0;
    };
  });
}

void add_container_prune(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> filters;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("prune", "Remove all stopped containers");
  cmd->add_option("--filter", o->filters,
                  "Remove only containers that match KEY=VALUE: until, label, label!");
  cmd->add_flag("-f,--force", o->force, "Do not ask for confirmation");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto filter = engine::parse_prune_filters(o->filters);
      if (!o->force) {
        std::printf(
            "WARNING! This will remove all non running containers.\n"
            "Are you sure you want to continue? [y/N] ");
        std::fflush(stdout);
        char answer[16] = {};
        if (std::fgets(answer, sizeof answer, stdin) == nullptr ||
            (answer[0] != 'y' && answer[0] != 'Y')) {
          return 0;
        }
      }
      auto& engine = cli.engine();
      auto every = engine.list_containers(true);
      std::vector<engine::ContainerSummary> stopped;
      for (const auto& c : every) {
        if (c.status != "running" && c.status != "paused") stopped.push_back(c);
      }
      int exit_code = 0;
      for (const auto& c : engine::match_containers(stopped, every, filter)) {
        try {
          engine.remove(c.id, false);
          std::printf("%s\n", c.id.c_str());
        } catch (const Error& e) {
          print_error(e);
          exit_code = 125;
        }
      }
      return exit_code;
    };
  });
}

}  // namespace berth::cli
