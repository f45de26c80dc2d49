// stats: resource usage of containers, once (--no-stream) or redrawn every
// --interval seconds.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "cli/cli.hpp"
#include "cli/targets.hpp"
#include "common/error.hpp"
#include "config/go_duration.hpp"
#include "format/template.hpp"
#include "format/tree.hpp"

namespace berth::cli {

namespace {

constexpr const char* kDefaultTable =
    "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t"
    "{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}";

// Formats bytes in binary units, as Go's units.BytesSize does.
std::string binary_size(double bytes) { return format::binary_size_unspaced(bytes); }

std::string decimal_size(std::int64_t bytes) {
  return format::human_size_unspaced(static_cast<double>(bytes), 4);
}

std::string percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", value);
  return buffer;
}

// The fields --format templates see, named as in Podman.
nlohmann::json stats_item(const container::ContainerStats& now,
                          const container::ContainerStats* previous, bool no_trunc) {
  double cpu = container::cpu_percent(now, previous);
  double average = container::average_cpu_percent(now);
  double memory_percent =
      now.memory_limit > 0
          ? 100.0 * static_cast<double>(now.memory_usage) / static_cast<double>(now.memory_limit)
          : 0;
  return {
      {"ID", no_trunc ? now.id : now.id.substr(0, 12)},
      {"ContainerID", now.id},
      {"Name", now.name},
      {"CPUPerc", percent(cpu)},
      {"CPU", cpu},
      {"AVGCPU", percent(average)},
      {"AvgCPU", average},
      {"MemUsage", decimal_size(now.memory_usage) + " / " + decimal_size(now.memory_limit)},
      {"MemUsageBytes", binary_size(static_cast<double>(now.memory_usage)) + " / " +
                            binary_size(static_cast<double>(now.memory_limit))},
      {"MemPerc", percent(memory_percent)},
      {"MemLimit", now.memory_limit},
      {"NetIO", decimal_size(now.net_input) + " / " + decimal_size(now.net_output)},
      {"NetInput", now.net_input},
      {"NetOutput", now.net_output},
      {"BlockIO", decimal_size(now.block_input) + " / " + decimal_size(now.block_output)},
      {"BlockInput", now.block_input},
      {"BlockOutput", now.block_output},
      {"PIDS", std::to_string(now.pids)},
      {"PIDs", now.pids},
      {"UpTime", config::format_go_duration(now.cpu_ns)},
      {"CPUNano", now.cpu_ns},
      {"Duration", now.cpu_ns},
      {"SystemNano", now.sampled_ns},
  };
}

// Podman's JSON output: lowercase keys and preformatted values.
nlohmann::ordered_json json_item(const nlohmann::json& item) {
  return {{"id", item["ID"]},         {"name", item["Name"]},
          {"cpu_time", item["UpTime"]}, {"cpu_percent", item["CPUPerc"]},
          {"avg_cpu", item["AVGCPU"]},  {"mem_usage", item["MemUsage"]},
          {"mem_percent", item["MemPerc"]}, {"net_io", item["NetIO"]},
          {"block_io", item["BlockIO"]}, {"pids", item["PIDS"]}};
}

struct StatsOptions {
  Targets targets;
  bool no_stream = false;
  bool no_trunc = false;
  bool no_reset = false;
  std::string format;
  int interval = 5;
};

// Returns the IDs to sample this round: the named containers, or every
// running one (every one with --all).
std::vector<std::string> stats_targets(engine::Engine& engine, const StatsOptions& o) {
  if (!o.targets.names.empty() || o.targets.latest) return resolve_targets(engine, o.targets, false);
  std::vector<std::string> ids;
  for (const auto& c : engine.list_containers(o.targets.all)) ids.push_back(c.id);
  return ids;
}

std::string render(const StatsOptions& o, const nlohmann::json& items) {
  if (format::is_json_format(o.format)) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& item : items) out.push_back(json_item(item));
    return out.dump(1) + "\n";
  }
  format::FormatOptions options;
  options.name = "stats";
  options.type_name = "containers.containerStats";
  options.headers = {{"ID", "ID"},          {"Name", "NAME"},
                     {"CPUPerc", "CPU %"},  {"MemUsage", "MEM USAGE / LIMIT"},
                     {"MemPerc", "MEM %"},  {"NetIO", "NET IO"},
                     {"BlockIO", "BLOCK IO"}, {"PIDS", "PIDS"},
                     {"UpTime", "CPU TIME"}, {"AVGCPU", "AVG CPU %"}};
  options.default_table = kDefaultTable;
  std::string format = o.format.empty() ? std::string("table ") + kDefaultTable : o.format;
  return format::format_items(format, items, options);
}

}  // namespace

void add_stats(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<StatsOptions>();
  auto* cmd = parent.add_subcommand("stats", "Display a live stream of container resource usage statistics");
  add_target_flags(*cmd, o->targets);
  cmd->add_flag("--no-stream", o->no_stream, "Print one sample and exit");
  cmd->add_flag("--no-trunc", o->no_trunc, "Do not truncate the container IDs");
  cmd->add_flag("--no-reset", o->no_reset, "Do not clear the terminal between samples");
  cmd->add_option("--format", o->format, "Go template or json for the output");
  cmd->add_option("-i,--interval", o->interval, "Seconds between samples when streaming");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      if (o->interval <= 0) {
        fail(ErrorCode::kInvalidArgument,
             "invalid --interval {}: give a number of seconds greater than 0", o->interval);
      }
      auto first = stats_targets(engine, *o);
      if (auto code = check_names(engine, first, 125)) return *code;
      std::map<std::string, container::ContainerStats> previous;
      for (bool first_round = true;; first_round = false) {
        auto ids = first_round ? first : stats_targets(engine, *o);
        nlohmann::json items = nlohmann::json::array();
        std::map<std::string, container::ContainerStats> samples;
        for (const auto& id : ids) {
          auto now = engine.stats(id);
          auto before = previous.find(now.id);
          items.push_back(
              stats_item(now, before == previous.end() ? nullptr : &before->second, o->no_trunc));
          samples[now.id] = now;
        }
        std::string text = render(*o, items);
        // Streaming to a terminal redraws from the top left of a cleared
        // screen, as Podman does. A pipe gets plain lines.
        bool redraw = !o->no_stream && !o->no_reset && ::isatty(STDOUT_FILENO);
        if (redraw) std::fputs("\033[2J\033[1;1H", stdout);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
        if (o->no_stream) return 0;
        previous = std::move(samples);
        std::this_thread::sleep_for(std::chrono::seconds(o->interval));
      }
    };
  });
}

}  // namespace berth::cli
