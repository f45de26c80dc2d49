// Container routes of both APIs beyond the lifecycle: top, stats, rename,
// pause, unpause, init, exists, prune and update.

#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/stats.hpp"
#include "engine/container_filter.hpp"
#include "engine/engine.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

// Both APIs sample stats once a second while streaming, as Docker does.
constexpr auto kStatsInterval = std::chrono::seconds(1);

// The descriptors of a top request. Docker sends one ps_args string
// ("aux", "-eo pid,comm") that is split on spaces; Podman's client sends
// ps_args once per descriptor. Absent gives the engine's default columns.
std::vector<std::string> top_descriptors(Exchange& x) {
  std::vector<std::string> descriptors;
  for (const auto& value : x.query().all("ps_args")) {
    std::istringstream words(value);
    std::string word;
    while (words >> word) descriptors.push_back(word);
  }
  return descriptors;
}

void top(Exchange& x) {
  auto rows = x.engine().top(x.param("name"), top_descriptors(x));
  json titles = json::array();
  json processes = json::array();
  if (!rows.empty()) {
    titles = rows.front();
    for (std::size_t i = 1; i < rows.size(); ++i) processes.push_back(rows[i]);
  }
  x.reply_json(status::ok, json{{"Titles", titles}, {"Processes", processes}});
}

long online_cpus() {
  long count = ::sysconf(_SC_NPROCESSORS_ONLN);
  return count > 0 ? count : 1;
}

// Docker's CPU block of a stats sample. Docker's clients compute the CPU
// percentage as cpu delta / system delta * online_cpus * 100, so the system
// usage is wall-clock time times the CPU count: the percentage then equals
// Podman's (CPU time over wall-clock time).
ordered_json docker_cpu_stats(const container::ContainerStats* sample) {
  std::int64_t total = sample ? sample->cpu_ns : 0;
  std::int64_t system = sample && sample->running ? sample->sampled_ns * online_cpus() : 0;
  return {
      {"cpu_usage", {{"total_usage", total}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}}},
      {"system_cpu_usage", system},
      {"online_cpus", sample && sample->running ? online_cpus() : 0},
      {"throttling_data", {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}}}};
}

// A stats sample in Docker's shape (GET /containers/{id}/stats). previous
// is the sample before it, or null for the first of a stream.
ordered_json docker_stats(const container::ContainerStats& sample,
                          const container::ContainerStats* previous, bool networked) {
  // Docker leaves the times at Go's zero time for a container that is not
  // running.
  const std::string zero_time = "0001-01-01T00:00:00Z";
  ordered_json io = ordered_json::array();
  if (sample.running) {
    io.push_back({{"major", 0}, {"minor", 0}, {"op", "read"}, {"value", sample.block_input}});
    io.push_back({{"major", 0}, {"minor", 0}, {"op", "write"}, {"value", sample.block_output}});
  }
  ordered_json out = {
      {"read", sample.running ? format_rfc3339_nano(sample.sampled_ns) : zero_time},
      {"preread",
       previous && previous->running ? format_rfc3339_nano(previous->sampled_ns) : zero_time},
      {"pids_stats", {{"current", sample.pids}}},
      {"blkio_stats",
       {{"io_service_bytes_recursive", io},
        {"io_serviced_recursive", nullptr},
        {"io_queue_recursive", nullptr},
        {"io_service_time_recursive", nullptr},
        {"io_wait_time_recursive", nullptr},
        {"io_merged_recursive", nullptr},
        {"io_time_recursive", nullptr},
        {"sectors_recursive", nullptr}}},
      {"num_procs", 0},
      {"storage_stats", ordered_json::object()},
      {"cpu_stats", docker_cpu_stats(&sample)},
      {"precpu_stats", docker_cpu_stats(previous)},
      {"memory_stats",
       {{"usage", sample.memory_usage},
        {"limit", sample.memory_limit},
        {"stats", ordered_json::object()}}},
      {"name", "/" + sample.name},
      {"id", sample.id}};
  if (networked && sample.running) {
    // berth counts every interface but lo together, so they show as one.
    out["networks"] = {{"eth0",
                        {{"rx_bytes", sample.net_input},
                         {"rx_packets", 0},
                         {"rx_errors", 0},
                         {"rx_dropped", 0},
                         {"tx_bytes", sample.net_output},
                         {"tx_packets", 0},
                         {"tx_errors", 0},
                         {"tx_dropped", 0}}}};
  }
  return out;
}

bool has_network(Exchange& x, const std::string& id) {
  for (const auto& c : x.engine().list_containers(true)) {
    if (c.id == id) return !c.networks.empty();
  }
  return false;
}

// Sleeps for one stats interval; returns false as soon as the client has
// hung up.
bool wait_interval(Exchange& x, std::chrono::milliseconds interval) {
  auto end = std::chrono::steady_clock::now() + interval;
  while (std::chrono::steady_clock::now() < end) {
    if (peer_closed(x.client_fd())) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// GET /containers/{name}/stats in both APIs (libpod's per-container route
// is Docker's shape too). stream=true (the default) sends one sample a
// second until the client goes. stream=false sends one sample whose
// precpu_stats come from a sample taken a second earlier, unless one-shot.
void stats(Exchange& x) {
  std::string id = x.engine().container_id(x.param("name"));
  bool stream = x.query().flag("stream", true);
  bool one_shot = x.query().flag("one-shot", false);
  bool networked = has_network(x, id);
  if (!stream) {
    std::optional<container::ContainerStats> previous;
    if (!one_shot) {
      previous = x.engine().stats(id);
      if (previous->running && !wait_interval(x, kStatsInterval)) return;
    }
    auto sample = x.engine().stats(id);
    x.reply_json(status::ok, docker_stats(sample, previous ? &*previous : nullptr, networked));
    return;
  }
  x.begin_stream(status::ok, "application/json");
  std::optional<container::ContainerStats> previous;
  while (true) {
    container::ContainerStats sample;
    try {
      sample = x.engine().stats(id);
    } catch (const Error& e) {
      // The container was removed while the stream ran.
      if (e.code() == ErrorCode::kNotFound) break;
      throw;
    }
    auto text = json_text(docker_stats(sample, previous ? &*previous : nullptr, networked));
    if (!x.write_chunk(text + "\n")) break;
    previous = sample;
    if (!wait_interval(x, kStatsInterval)) break;
  }
  x.end_stream();
}

// One container's entry in Podman's stats report (GET /libpod/containers/stats).
ordered_json podman_stats(const container::ContainerStats& sample,
                          const container::ContainerStats* previous) {
  double cpu = sample.running ? container::cpu_percent(sample, previous) : 0;
  double memory_percent = sample.memory_limit > 0
                              ? 100.0 * static_cast<double>(sample.memory_usage) /
                                    static_cast<double>(sample.memory_limit)
                              : 0;
  std::int64_t up_ns = sample.running ? sample.sampled_ns - sample.started_ns : 0;
  return {{"AvgCPU", sample.running ? container::average_cpu_percent(sample) : 0.0},
          {"ContainerID", sample.id},
          {"Name", sample.name},
          {"PerCPU", nullptr},
          {"CPU", cpu},
          {"CPUNano", sample.cpu_ns},
          {"CPUSystemNano", 0},
          {"SystemNano", sample.sampled_ns},
          {"MemUsage", sample.memory_usage},
          {"MemLimit", sample.memory_limit},
          {"MemPerc", memory_percent},
          {"NetInput", sample.net_input},
          {"NetOutput", sample.net_output},
          {"BlockInput", sample.block_input},
          {"BlockOutput", sample.block_output},
          {"PIDs", sample.pids},
          {"UpTime", up_ns},
          {"Duration", up_ns}};
}

// GET /libpod/containers/stats: a report of the named containers (every
// running one when none is named) each interval seconds, or once with
// stream=false: {"Error": null, "Stats": [...]}.
void libpod_stats_all(Exchange& x) {
  auto names = x.query().all("containers");
  bool stream = x.query().flag("stream", true);
  auto interval_seconds = x.query().integer("interval").value_or(1);
  if (interval_seconds < 1) {
    fail(ErrorCode::kInvalidArgument, "invalid stats interval {}: use 1 or more seconds",
         interval_seconds);
  }
  std::vector<std::string> ids;
  for (const auto& name : names) ids.push_back(x.engine().container_id(name));
  if (names.empty()) {
    for (const auto& c : x.engine().list_containers(false)) {
      if (c.status == "running") ids.push_back(c.id);
    }
  }
  std::map<std::string, container::ContainerStats> previous;
  auto report = [&] {
    ordered_json entries = ordered_json::array();
    for (const auto& id : ids) {
      auto sample = x.engine().stats(id);
      auto before = previous.find(id);
      entries.push_back(podman_stats(sample, before == previous.end() ? nullptr : &before->second));
      previous[id] = sample;
    }
    return ordered_json{{"Error", nullptr}, {"Stats", entries}};
  };
  if (!stream) {
    x.reply_json(status::ok, report());
    return;
  }
  x.begin_stream(status::ok, "application/json");
  while (true) {
    ordered_json entry;
    try {
      entry = report();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
      spdlog::debug("api: stats: {}", e.what());
      entry = ordered_json{{"Error", {{"message", e.what()}}}, {"Stats", nullptr}};
    }
    if (!x.write_chunk(json_text(entry) + "\n")) break;
    if (!entry["Error"].is_null()) break;
    if (!wait_interval(x, std::chrono::seconds(interval_seconds))) break;
  }
  x.end_stream();
}

void rename(Exchange& x) {
  auto name = x.query().get("name").value_or("");
  if (name.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing new name: pass it as the name query parameter");
  }
  // Docker rejects a rename to the current name with 400. Podman 4.3 and
  // the local CLI accept it and change nothing.
  if (!x.libpod()) {
    json inspect = x.engine().inspect_container(x.param("name"));
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    std::string new_name = name.starts_with("/") ? name.substr(1) : name;
    if (inspect.value("Name", "") == new_name) {
      fail(ErrorCode::kInvalidArgument,
           "renaming container \"{}\": it is already named \"{}\": choose a different name",
           x.param("name"), new_name);
    }
  }
  x.engine().rename_container(x.param("name"), name);
  x.reply_empty(status::no_content);
}

void pause(Exchange& x) {
  x.engine().pause(x.param("name"));
  x.reply_empty(status::no_content);
}

void unpause(Exchange& x) {
  x.engine().unpause(x.param("name"));
  x.reply_empty(status::no_content);
}

// POST /libpod/containers/{name}/init: 304 when the container already has
// its runtime state (initialized, running, paused), as Podman does.
void init(Exchange& x) {
  std::string name = x.param("name");
  for (const auto& c : x.engine().list_containers(true)) {
    if (c.id != x.engine().container_id(name)) continue;
    if (c.status == "initialized" || c.status == "running" || c.status == "paused") {
      x.reply_empty(status::not_modified);
      return;
    }
  }
  x.engine().init(name);
  x.reply_empty(status::no_content);
}

// GET /libpod/containers/{name}/healthcheck: runs the container's check
// once and returns Podman's HealthCheckResults, with the failing streak
// and log that inspect shows after the run.
void healthcheck(Exchange& x) {
  std::string health_status = x.engine().healthcheck_run(x.param("name"));
  json inspect = x.engine().inspect_container(x.param("name"));
  if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
  json health = json::object();
  if (inspect.contains("State") && inspect["State"].is_object()) {
    const auto& state = inspect["State"];
    if (state.contains("Health") && state["Health"].is_object()) health = state["Health"];
  }
  json log = health.contains("Log") && health["Log"].is_array() ? health["Log"] : json::array();
  x.reply_json(status::ok, json{{"Status", health_status},
                                {"FailingStreak", health.value("FailingStreak", 0)},
                                {"Log", log}});
}

void exists(Exchange& x) {
  x.engine().container_id(x.param("name"));
  x.reply_empty(status::no_content);
}

// POST /containers/prune in both APIs: removes every container that is not
// running or paused and matches the until and label filters.
void prune(Exchange& x) {
  auto filter = engine::parse_prune_filters(parse_filters(x.query().get("filters").value_or("")));
  auto& engine = x.engine();
  auto every = engine.list_containers(true);
  std::vector<engine::ContainerSummary> stopped;
  for (const auto& c : every) {
    if (c.status != "running" && c.status != "paused") stopped.push_back(c);
  }
  json deleted = json::array();
  json podman_report = json::array();
  std::int64_t reclaimed = 0;
  for (const auto& c : engine::match_containers(stopped, every, filter)) {
    std::int64_t size = 0;
    try {
      size = engine.container_size(c.id).rw_size;
      engine.remove(c.id, false);
    } catch (const Error& e) {
      // Docker leaves a container it cannot remove out of the report, and
      // Podman reports the error next to its ID.
      spdlog::debug("api: prune: removing container {}: {}", c.id, e.what());
      podman_report.push_back({{"Id", c.id}, {"Size", 0}, {"Err", e.what()}});
      continue;
    }
    reclaimed += size;
    deleted.push_back(c.id);
    podman_report.push_back({{"Id", c.id}, {"Size", size}, {"Err", nullptr}});
  }
  if (x.libpod()) {
    x.reply_json(status::ok, podman_report);
    return;
  }
  if (deleted.empty()) deleted = nullptr;
  x.reply_json(status::ok, json{{"ContainersDeleted", deleted}, {"SpaceReclaimed", reclaimed}});
}

// POST /containers/{name}/update: berth cannot change the resources or
// restart policy of an existing container.
void update(Exchange& x) {
  x.engine().container_id(x.param("name"));
  Error error(ErrorCode::kInternal,
              "updating container " + x.param("name") +
                  " is not supported by berth: remove it and create it again with the new "
                  "settings");
  x.reply_json(status::not_implemented, error_body(error, status::not_implemented));
}

}  // namespace

void add_container_ops_routes(Router& router) {
  router.add(verb::get, "/libpod/containers/stats", libpod_stats_all);
  router.add(verb::get, "/libpod/containers/{name}/exists", exists);
  router.add(verb::post, "/libpod/containers/{name}/init", init);
  router.add(verb::get, "/libpod/containers/{name}/healthcheck", healthcheck);
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add(verb::get, p + "/containers/{name}/top", top);
    router.add(verb::get, p + "/containers/{name}/stats", stats);
    router.add(verb::post, p + "/containers/{name}/rename", rename);
    router.add(verb::post, p + "/containers/{name}/pause", pause);
    router.add(verb::post, p + "/containers/{name}/unpause", unpause);
    router.add(verb::post, p + "/containers/prune", prune);
    router.add(verb::post, p + "/containers/{name}/update", update);
  }
}

}  // namespace berth::api
