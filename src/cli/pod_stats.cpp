// pod stats: resource usage of the containers of pods, one row per member
// as Podman's PodStatsReport, once (--no-stream) or redrawn every second.

#include "api/pod_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

constexpr const char* kDefaultTable =
    "{{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t"
    "{{.PIDS}}";

struct PodStatsOptions {
  std::vector<std::string> names;
  bool all = false;
  bool latest = false;
  bool no_stream = false;
  bool no_reset = false;
  std::string format;
};

// Rejects the flag combinations Podman rejects. Naming no pod means every
// pod, as --all does.
void check_options(const Cli& cli, const PodStatsOptions& o) {
  if (o.latest && cli.remote()) {
    fail(ErrorCode::kInvalidArgument, "unknown flag: --latest (it is not available with --remote)");
  }
  int selectors = (o.names.empty() ? 0 : 1) + (o.all ? 1 : 0) + (o.latest ? 1 : 0);
  if (selectors > 1) {
    fail(ErrorCode::kInvalidArgument, "--all, --latest and arguments cannot be used together");
  }
}

// Returns the pods to sample: the named ones (throwing Error{kNotFound} for
// the first unknown one), the newest one with --latest, or every pod,
// oldest first.
std::vector<engine::PodReport> sampled_pods(engine::Engine& engine, const PodStatsOptions& o) {
  std::vector<engine::PodReport> pods;
  if (!o.names.empty()) {
    for (const auto& name : o.names) pods.push_back(engine.inspect_pod(name));
    return pods;
  }
  pods = engine.list_pods({});
  std::stable_sort(pods.begin(), pods.end(),
                   [](const auto& a, const auto& b) { return a.created_ns < b.created_ns; });
  if (o.latest) {
    if (pods.empty()) fail(ErrorCode::kNotFound, "no pods to show stats of: create one first");
    pods.erase(pods.begin(), pods.end() - 1);
  }
  return pods;
}

// Returns whether format selects Podman's JSON output: "json" or a
// template that is only {{json .}}, as Podman's report.IsJSON accepts.
bool json_output(const std::string& format) {
  std::string compact;
  for (char c : format) {
    if (c != ' ' && c != '\t' && c != '\n') compact += c;
  }
  return format::is_json_format(compact) || compact == "{{json.}}" || compact == "{{json}}";
}

std::string render(const PodStatsOptions& o, const nlohmann::ordered_json& reports) {
  if (json_output(o.format)) return reports.dump(5) + "\n";

  format::FormatOptions options;
  options.name = "pod stats";
  options.type_name = "entities.PodStatsReport";
  options.headers = {{"CPU", "CPU %"},
                     {"MemUsage", "MEM USAGE/ LIMIT"},
                     {"MemUsageBytes", "MEM USAGE/ LIMIT"},
                     {"Mem", "MEM"},
                     {"NetIO", "NET IO"},
                     {"BlockIO", "BLOCK IO"},
                     {"PIDS", "PIDS"},
                     {"Pod", "POD"},
                     {"CID", "CID"},
                     {"Name", "NAME"}};
  options.default_table = kDefaultTable;
  nlohmann::json items = nlohmann::json::parse(reports.dump());

  if (o.format.empty()) {
    // Podman's default table keeps its header and shows one row of dashes
    // when no container is sampled.
    options.headers["Mem"] = "MEM %";
    if (items.empty()) {
      nlohmann::json dashes = nlohmann::json::object();
      for (const auto& [key, header] : options.headers) dashes[key] = "--";
      items.push_back(dashes);
    }
    return format::format_items(std::string("table ") + kDefaultTable, items, options);
  }

  // A template of the user's prints nothing, not even its header, without
  // rows, as in Podman.
  if (items.empty()) return "";
  std::string text;
  if (!o.format.starts_with("table")) {
    // Podman 4.3 renders a template without "table" over the headers too,
    // so the output starts with a header line in the template's shape.
    nlohmann::json header = nlohmann::json::object();
    for (const auto& [key, title] : options.headers) header[key] = title;
    text = format::format_items(o.format, nlohmann::json::array({header}), options);
  }
  return text + format::format_items(o.format, items, options);
}

}  // namespace

void add_pod_stats(CLI::App& pod, Cli& cli) {
  auto o = std::make_shared<PodStatsOptions>();
  auto* cmd = pod.add_subcommand(
      "stats", "Display a live stream of resource usage statistics for the containers of pods");
  cmd->add_option("pods", o->names, "Pods (names or IDs); none means every pod");
  cmd->add_flag("-a,--all", o->all, "Show the containers of every pod");
  cmd->add_flag("-l,--latest", o->latest, "Show the containers of the latest pod");
  cmd->add_flag("--no-stream", o->no_stream, "Print one sample and exit");
  cmd->add_flag("--no-reset", o->no_reset, "Do not clear the terminal between samples");
  cmd->add_option("--format", o->format, "Go template or json for the output");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      check_options(cli, *o);
      auto& engine = cli.engine();
      std::map<std::string, container::ContainerStats> previous;
      while (true) {
        nlohmann::ordered_json reports = nlohmann::ordered_json::array();
        std::map<std::string, container::ContainerStats> samples;
        for (const auto& pod : sampled_pods(engine, *o)) {
          for (const auto& member : pod.members) {
            container::ContainerStats now;
            try {
              now = engine.stats(member.id);
            } catch (const Error& e) {
              // A member removed since the pod was read has nothing to show.
              if (e.code() == ErrorCode::kNotFound) continue;
              throw;
            }
            auto before = previous.find(now.id);
            reports.push_back(api::pod_stats_report(
                pod.id, now, before == previous.end() ? nullptr : &before->second));
            samples[now.id] = now;
          }
        }
        std::string text = render(*o, reports);
        // Streaming to a terminal redraws from the top left of a cleared
        // screen, as `stats` does. A pipe gets plain lines.
        bool redraw = !o->no_stream && !o->no_reset && ::isatty(STDOUT_FILENO);
        if (redraw) std::fputs("\033[2J\033[1;1H", stdout);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
        if (o->no_stream) return 0;
        previous = std::move(samples);
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    };
  });
}

}  // namespace berth::cli
