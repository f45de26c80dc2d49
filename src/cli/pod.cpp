// pod and its subcommands: create, ps, inspect, start, stop, restart,
// kill, pause, unpause, rm, exists, prune and top (stats is in
// pod_stats.cpp).

#include <algorithm>
#include <cstdio>

#include "api/pod_json.hpp"
#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/network_value.hpp"
#include "format/table.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

void add_pod_create(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::PodCreateRequest request;
    std::string infra = "true";
    std::string ip;           // --ip
    std::string mac_address;  // --mac-address
  };
  auto o = std::make_shared<Options>();
  auto& r = o->request;
  auto* cmd = parent.add_subcommand("create", "Create a new empty pod");
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->add_option("name", r.name, "Name of the pod");
  cmd->add_option("-n,--name", r.name, "Name of the pod");
  cmd->add_option("--hostname", r.hostname, "Host name of the pod's UTS namespace");
  cmd->add_option("-l,--label", r.labels, "Label KEY[=VALUE] of the pod")->allow_extra_args(false);
  cmd->add_option("--label-file", r.label_files, "Read labels from a file")->allow_extra_args(false);
  cmd->add_option("--infra", o->infra, "Create an infra container for the pod (true or false)")
      ->expected(0, 1)
      ->default_str("true");
  cmd->add_option("--infra-image", r.infra_image, "Image of the infra container");
  cmd->add_option("--infra-command", r.infra_command, "Command of the infra container");
  cmd->add_option("--infra-name", r.infra_name, "Name of the infra container");
  cmd->add_option("--share", r.share,
                  "Namespaces to share: cgroup, ipc, net, pid, uts; +NS adds to the default");
  cmd->add_option("-p,--publish", r.publish,
                  "Publish a port of the pod: [IP:][HOST-PORT:]CONTAINER-PORT[/PROTO]")
      ->allow_extra_args(false);
  cmd->add_option("--network,--net", r.networks, "Network of the pod")->allow_extra_args(false);
  cmd->add_option("--ip", o->ip, "Static IPv4 address of the pod on its network");
  cmd->add_option("--mac-address", o->mac_address, "Static MAC address of the pod on its network");
  cmd->add_option("--add-host", r.add_hosts, "Add a line HOST:IP to /etc/hosts")
      ->allow_extra_args(false);
  cmd->add_option("--dns", r.dns, "DNS server")->allow_extra_args(false);
  cmd->add_option("--dns-search", r.dns_search, "DNS search domain")->allow_extra_args(false);
  cmd->add_option("--dns-option", r.dns_options, "DNS option")->allow_extra_args(false);
  cmd->add_flag("--no-hosts", r.no_hosts, "Do not write /etc/hosts in the pod");
  cmd->add_option("--exit-policy", r.exit_policy, "What to do when the last container exits: continue or stop");
  cmd->add_flag("--replace", r.replace, "Remove a pod of the same name first");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      if (o->infra != "true" && o->infra != "false") {
        fail(ErrorCode::kInvalidArgument, "invalid --infra \"{}\": use true or false", o->infra);
      }
      o->request.infra = o->infra == "true";
      // --ip and --mac-address join the --network value as options, as
      // they do for run.
      for (const auto& [option, value] :
           {std::pair{"ip=", o->ip}, std::pair{"mac=", o->mac_address}}) {
        if (value.empty()) continue;
        if (o->request.networks.empty()) o->request.networks.emplace_back();
        engine::append_network_option(o->request.networks.front(), option + value);
      }
      StderrPullProgress progress(false);
      std::printf("%s\n", cli.engine().pod_create(o->request, progress).c_str());
      return 0;
    };
  });
}

// The fields of a `pod ps` row, with Podman's names.
nlohmann::json list_fields(const engine::PodReport& pod, bool no_trunc, std::int64_t now) {
  auto id = [no_trunc](const std::string& full) { return no_trunc ? full : full.substr(0, 12); };
  std::vector<std::string> ids, names, statuses;
  for (const auto& m : pod.members) {
    ids.push_back(id(m.id));
    names.push_back(m.name);
    statuses.push_back(m.status);
  }
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : pod.labels) labels[key] = value;
  return {{"ID", id(pod.id)},
          {"Id", pod.id},
          {"Name", pod.name},
          {"Status", pod.status},
          {"Created", human_duration(now - pod.created_ns) + " ago"},
          {"InfraID", pod.infra_id.empty() ? "" : id(pod.infra_id)},
          {"InfraId", pod.infra_id.empty() ? "" : id(pod.infra_id)},
          {"NumberOfContainers", std::to_string(pod.members.size())},
          {"ContainerIds", join(ids, ",")},
          {"ContainerNames", join(names, ",")},
          {"ContainerStatuses", join(statuses, ",")},
          {"Cgroup", pod.cgroup_parent},
          {"Networks", join(pod.networks, ",")},
          {"Labels", labels}};
}

void sort_pods(std::vector<engine::PodReport>& pods, const std::string& key) {
  std::stable_sort(pods.begin(), pods.end(), [&](const auto& a, const auto& b) {
    if (key == "id") return a.id < b.id;
    if (key == "name") return a.name < b.name;
    if (key == "number") return a.members.size() < b.members.size();
    if (key == "status") return a.status < b.status;
    return a.created_ns > b.created_ns;  // created: the newest first, as Podman
  });
}

void add_pod_ps(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> filters;
    std::string format;
    std::string sort = "created";
    bool quiet = false;
    bool no_trunc = false;
    bool noheading = false;
    bool ctr_names = false;
    bool ctr_ids = false;
    bool ctr_status = false;
    bool namespace_column = false;
    bool latest = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "List pods");
  cmd->add_option("-f,--filter", o->filters,
                  "Filter KEY=VALUE: id, name, label, status, ctr-names, ctr-ids, ctr-status, "
                  "ctr-number, network")
      ->allow_extra_args(false);
  cmd->add_option("--format", o->format, "Print with a Go template, or json");
  cmd->add_option("--sort", o->sort, "Sort by created, id, name, number or status");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only pod IDs");
  cmd->add_flag("--no-trunc", o->no_trunc, "Do not truncate IDs");
  cmd->add_flag("-n,--noheading", o->noheading, "Do not print the header");
  cmd->add_flag("--ctr-names", o->ctr_names, "Show the names of the containers");
  cmd->add_flag("--ctr-ids", o->ctr_ids, "Show the IDs of the containers");
  cmd->add_flag("--ctr-status", o->ctr_status, "Show the states of the containers");
  cmd->add_flag("--ns", o->namespace_column, "Show the pod's cgroup");
  cmd->add_flag("-l,--latest", o->latest, "Show only the latest pod");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      const std::vector<std::string> keys = {"created", "id", "name", "number", "status"};
      if (std::find(keys.begin(), keys.end(), o->sort) == keys.end()) {
        fail(ErrorCode::kInvalidArgument,
             "invalid --sort \"{}\": use created, id, name, number or status", o->sort);
      }
      auto pods = cli.engine().list_pods(o->filters);
      if (o->latest && !pods.empty()) {
        sort_pods(pods, "created");
        pods.resize(1);
      }
      sort_pods(pods, o->sort);
      if (o->quiet) {
        for (const auto& pod : pods) std::printf("%s\n", pod.id.c_str());
        return 0;
      }
      if (format::is_json_format(o->format)) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& pod : pods) items.push_back(api::pod_list_json(pod));
        std::printf("%s\n", items.dump(2).c_str());
        return 0;
      }
      std::string table = "{{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}";
      if (o->namespace_column) table += "\t{{.Cgroup}}";
      if (o->ctr_ids) table += "\t{{.ContainerIds}}";
      if (o->ctr_names) table += "\t{{.ContainerNames}}";
      if (o->ctr_status) table += "\t{{.ContainerStatuses}}";
      if (!o->ctr_ids && !o->ctr_names && !o->ctr_status) table += "\t{{.NumberOfContainers}}";
      format::FormatOptions options = {"pod ps",
                                       "entities.ListPodsReport",
                                       {{"ID", "POD ID"},
                                        {"Id", "POD ID"},
                                        {"InfraID", "INFRA ID"},
                                        {"InfraId", "INFRA ID"},
                                        {"NumberOfContainers", "# OF CONTAINERS"},
                                        {"ContainerIds", "IDS"},
                                        {"ContainerNames", "NAMES"},
                                        {"ContainerStatuses", "STATUS"},
                                        {"Cgroup", "CGROUP"}},
                                       table,
                                       !o->noheading};
      std::string format = o->format.empty() ? "table " + table : o->format;
      std::int64_t now = now_ns();
      nlohmann::json items = nlohmann::json::array();
      for (const auto& pod : pods) items.push_back(list_fields(pod, o->no_trunc, now));
      format::print_formatted(format, items, options);
      return 0;
    };
  });
}

void add_pod_inspect(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> names;
    std::string format;
    bool latest = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("inspect", "Show the details of pods");
  cmd->add_option("names", o->names, "Pods to inspect (names or IDs)");
  cmd->add_option("-f,--format", o->format, "Print with a Go template, or json");
  cmd->add_flag("-l,--latest", o->latest, "Inspect the latest pod");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      auto names = o->names;
      if (o->latest) {
        auto pods = engine.list_pods({});
        if (pods.empty()) fail(ErrorCode::kNotFound, "no pods to inspect: create one first");
        sort_pods(pods, "created");
        names.push_back(pods.front().id);
      }
      if (names.empty()) fail(ErrorCode::kInvalidArgument, "no pod given: name one or use --latest");
      nlohmann::ordered_json items = nlohmann::ordered_json::array();
      std::optional<Error> missing;
      for (const auto& name : names) {
        try {
          items.push_back(api::pod_inspect_json(engine.inspect_pod(name)));
        } catch (const Error& e) {
          if (e.code() != ErrorCode::kNotFound) throw;
          missing = e;
        }
      }
      if (o->format.empty() || format::is_json_format(o->format)) {
        std::printf("%s\n", items.dump(4).c_str());
      } else {
        format::RenderOptions render{"inspect", "define.InspectPodData", false};
        format::Template tmpl(o->format, render);
        std::string out;
        for (const auto& item : items) {
          std::string text = tmpl.render(nlohmann::json::parse(item.dump()));
          out += text.ends_with('\n') ? text : text + "\n";
        }
        std::fputs(out.c_str(), stdout);
      }
      if (missing) throw *missing;
      return 0;
    };
  });
}

// The pod names of a command with --all: the given ones, or every pod.
std::vector<std::string> pod_targets(engine::Engine& engine, const std::vector<std::string>& names,
                                     bool all) {
  if (all && !names.empty()) {
    fail(ErrorCode::kInvalidArgument, "give either --all or pod names, not both");
  }
  if (!all) {
    if (names.empty()) fail(ErrorCode::kInvalidArgument, "no pod given: name one or use --all");
    return names;
  }
  std::vector<std::string> ids;
  for (const auto& pod : engine.list_pods({})) ids.push_back(pod.id);
  return ids;
}

// Runs op on each pod and prints its ID; reports every failure and throws
// the last one. A missing pod fails with exit code 1 when missing_is_1
// (pod rm), as in Podman.
int for_each_pod(const std::vector<std::string>& pods, bool ignore_missing, bool missing_is_1,
                 const std::function<std::string(const std::string&)>& op) {
  std::optional<Error> failure;
  for (const auto& pod : pods) {
    try {
      std::printf("%s\n", op(pod).c_str());
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kNotFound && ignore_missing) continue;
      if (failure) print_error(*failure);
      failure = e;
    }
  }
  if (!failure) return 0;
  if (missing_is_1 && failure->code() == ErrorCode::kNotFound) {
    std::fflush(stdout);
    print_error(*failure);
    return 1;
  }
  throw *failure;
}

// Adds a pod command that takes pod names or --all and runs op on each.
CLI::App* add_pod_action(CLI::App& parent, Cli& cli, const std::string& name,
                         const std::string& help,
                         std::function<std::string(engine::Engine&, const std::string&)> op,
                         std::function<void(CLI::App&)> more_flags = {}) {
  struct Options {
    std::vector<std::string> names;
    bool all = false;
    bool latest = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, help);
  cmd->add_option("names", o->names, "Pods (names or IDs)");
  cmd->add_flag("-a,--all", o->all, "Act on every pod");
  cmd->add_flag("-l,--latest", o->latest, "Act on the latest pod");
  if (more_flags) more_flags(*cmd);
  cmd->callback([&cli, o, op] {
    cli.action = [&cli, o, op] {
      auto& engine = cli.engine();
      auto names = o->names;
      if (o->latest) {
        auto pods = engine.list_pods({});
        sort_pods(pods, "created");
        if (!pods.empty()) names.push_back(pods.front().id);
      }
      auto pods = pod_targets(engine, names, o->all || (o->latest && names.empty()));
      return for_each_pod(pods, false, false,
                          [&](const std::string& pod) { return op(engine, pod); });
    };
  });
  return cmd;
}

void add_pod_rm(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> names;
    bool all = false;
    bool force = false;
    bool ignore = false;
    std::optional<int> timeout;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "Remove pods and their containers");
  cmd->add_option("names", o->names, "Pods (names or IDs)");
  cmd->add_flag("-a,--all", o->all, "Remove every pod");
  cmd->add_flag("-f,--force", o->force, "Stop and remove running containers too");
  cmd->add_flag("-i,--ignore", o->ignore, "Do not fail for a pod that does not exist");
  cmd->add_option("-t,--time", o->timeout, "Seconds to wait for a stop before killing");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      auto pods = pod_targets(engine, o->names, o->all);
      bool force = o->force || o->timeout.has_value();
      return for_each_pod(pods, o->ignore, true, [&](const std::string& pod) {
        return engine.pod_remove(pod, force, o->timeout);
      });
    };
  });
}

void add_pod_prune(CLI::App& parent, Cli& cli) {
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("prune", "Remove every pod with no running container");
  cmd->add_flag("-f,--force", *force, "Do not ask for confirmation");
  cmd->callback([&cli, force] {
    cli.action = [&cli, force] {
      if (!*force) {
        std::printf("WARNING! This will remove all stopped/exited pods..\n"
                    "Are you sure you want to continue? [y/N] ");
        std::fflush(stdout);
        char answer[16] = {};
        if (std::fgets(answer, sizeof answer, stdin) == nullptr ||
            (answer[0] != 'y' && answer[0] != 'Y')) {
          return 0;
        }
      }
      for (const auto& id : cli.engine().pod_prune()) std::printf("%s\n", id.c_str());
      return 0;
    };
  });
}

// pod top: the processes of every running container of the pod, as one
// table with the header of the first.
void add_pod_top(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string name;
    std::vector<std::string> descriptors;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("top", "Show the processes of a pod's containers");
  cmd->add_option("pod", o->name, "Pod name or ID")->required();
  cmd->add_option("descriptors", o->descriptors, "ps format descriptors");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      auto pod = engine.inspect_pod(o->name);
      std::vector<std::vector<std::string>> rows;
      for (const auto& member : pod.members) {
        if (member.status != "running") continue;
        auto table = engine.top(member.id, o->descriptors);
        if (table.empty()) continue;
        if (rows.empty()) rows.push_back(table.front());
        rows.insert(rows.end(), table.begin() + 1, table.end());
      }
      if (rows.empty()) {
        fail(ErrorCode::kConflict, "no containers in pod {} are running: start the pod first",
             pod.id);
      }
      std::fputs(format::render_table(rows).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace

// pod stats lives in pod_stats.cpp; it is declared here rather than in
// cli.hpp, which every command file includes.
void add_pod_stats(CLI::App& pod, Cli& cli);

void add_pod_group(CLI::App& app, Cli& cli) {
  auto* pod = app.add_subcommand("pod", "Manage pods");
  pod->require_subcommand(1);
  add_pod_create(*pod, cli);
  add_pod_ps(*pod, cli, "ps");
  add_pod_ps(*pod, cli, "ls");
  add_pod_ps(*pod, cli, "list");
  add_pod_inspect(*pod, cli);
  add_pod_action(*pod, cli, "start", "Start pods",
                 [](engine::Engine& e, const std::string& n) { return e.pod_start(n); });
  auto timeout = std::make_shared<std::optional<int>>();
  add_pod_action(
      *pod, cli, "stop", "Stop pods",
      [timeout](engine::Engine& e, const std::string& n) { return e.pod_stop(n, *timeout); },
      [timeout](CLI::App& cmd) {
        cmd.add_option("-t,--time", *timeout, "Seconds to wait for a stop before killing");
      });
  add_pod_action(*pod, cli, "restart", "Restart pods",
                 [](engine::Engine& e, const std::string& n) { return e.pod_restart(n); });
  auto signal = std::make_shared<std::string>("SIGKILL");
  add_pod_action(
      *pod, cli, "kill", "Send a signal to the containers of pods",
      [signal](engine::Engine& e, const std::string& n) { return e.pod_kill(n, *signal); },
      [signal](CLI::App& cmd) { cmd.add_option("-s,--signal", *signal, "Signal to send"); });
  add_pod_action(*pod, cli, "pause", "Pause the containers of pods",
                 [](engine::Engine& e, const std::string& n) { return e.pod_pause(n); });
  add_pod_action(*pod, cli, "unpause", "Unpause the containers of pods",
                 [](engine::Engine& e, const std::string& n) { return e.pod_unpause(n); });
  add_pod_rm(*pod, cli, "rm");
  add_pod_rm(*pod, cli, "remove");
  add_pod_prune(*pod, cli);
  add_pod_top(*pod, cli);
  add_pod_stats(*pod, cli);
  add_exists_command(*pod, cli, "Exit 0 when a pod exists, 1 when not", "Pod name or ID",
                     [](engine::Engine& engine, const std::string& name) {
                       return engine.pod_exists(name);
                     });
}

}  // namespace berth::cli
