// Container routes of both APIs: list, inspect, create, start, stop, kill,
// restart, wait and delete.

#include <algorithm>
#include <functional>
#include <map>

#include "api/compat_container_status.hpp"
#include "api/compat_create.hpp"
#include "api/exchange.hpp"
#include "api/pending_attach.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "engine/container_filter.hpp"
#include "engine/container_json.hpp"
#include "engine/engine.hpp"
#include "engine/wait_states.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

// The pod of a pod's member container.
struct PodOf {
  std::string id;
  std::string name;
  bool infra = false;
};

// Maps each member container's ID to its pod.
std::map<std::string, PodOf> pods_of_members(engine::Engine& engine) {
  std::map<std::string, PodOf> pods;
  for (const auto& pod : engine.list_pods({})) {
    for (const auto& member : pod.members) {
      pods[member.id] = {pod.id, pod.name, member.id == pod.infra_id};
    }
  }
  return pods;
}

// Podman's pod= filter: whether container_id belongs to a pod named by one
// of the values, as a name, an ID or the start of an ID.
bool in_pods(const std::map<std::string, PodOf>& pods, const std::string& container_id,
             const std::vector<std::string>& names) {
  auto it = pods.find(container_id);
  if (it == pods.end()) return false;
  return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
    return it->second.name == name || (!name.empty() && it->second.id.starts_with(name));
  });
}

// The containers GET /containers/json lists: all or the running ones,
// matching the filters, newest first, at most limit. pods is filled when a
// pod= filter needs it.
std::vector<engine::ContainerSummary> listed_containers(Exchange& x,
                                                        std::map<std::string, PodOf>& pods) {
  bool all = x.query().flag("all", false);
  std::vector<std::string> filters = parse_filters(x.query().get("filters").value_or(""));
  std::vector<std::string> pod_names;
  std::erase_if(filters, [&](const std::string& f) {
    if (!f.starts_with("pod=")) return false;
    pod_names.push_back(f.substr(4));
    return true;
  });
  auto filter = engine::parse_container_filters(filters);
  auto every = x.engine().list_containers(true);
  if (!pod_names.empty()) pods = pods_of_members(x.engine());
  std::vector<engine::ContainerSummary> containers;
  // Docker lists paused containers without all too.
  for (const auto& c : every) {
    bool shown = c.status == "running" || (!x.libpod() && c.status == "paused");
    if (!pod_names.empty() && !in_pods(pods, c.id, pod_names)) continue;
    if (all || filter.has("status") || shown) containers.push_back(c);
  }
  if (!filter.empty()) containers = engine::match_containers(containers, every, filter);
  std::stable_sort(containers.begin(), containers.end(),
                   [](const auto& a, const auto& b) { return a.created_ns > b.created_ns; });
  auto limit = x.query().integer(x.libpod() ? "last" : "limit");
  if (!limit) limit = x.query().integer("limit");
  if (limit && *limit > 0 && static_cast<std::size_t>(*limit) < containers.size()) {
    containers.resize(static_cast<std::size_t>(*limit));
  }
  return containers;
}

// network_ids maps network names to IDs; a name it lacks is its own ID.
ordered_json compat_summary(const engine::ContainerSummary& c,
                            const std::optional<engine::ContainerSize>& size, std::int64_t now,
                            const std::map<std::string, std::string>& network_ids) {
  std::string command;
  for (const auto& arg : c.command) command += (command.empty() ? "" : " ") + arg;
  ordered_json ports = ordered_json::array();
  for (const auto& p : c.ports) {
    ports.push_back({{"IP", p.host_ip.empty() ? "0.0.0.0" : p.host_ip},
                     {"PrivatePort", p.container_port},
                     {"PublicPort", p.host_port},
                     {"Type", p.protocol}});
  }
  ordered_json networks = ordered_json::object();
  for (const auto& name : c.networks) {
    auto id = network_ids.find(name);
    networks[name] = {{"NetworkID", id == network_ids.end() ? name : id->second}};
  }
  ordered_json mounts = ordered_json::array();
  for (const auto& destination : c.mounts) mounts.push_back({{"Destination", destination}});
  ordered_json summary = {
      {"Id", c.id},
      {"Names", {"/" + c.name}},
      {"Image", c.image},
      {"ImageID", "sha256:" + c.image_id},
      {"Command", command},
      {"Created", c.created_ns / 1000000000},
      {"Ports", ports},
      {"Labels", c.labels.is_object() ? c.labels : json::object()},
      {"State", docker_state(c.status)},
      {"Status", compat_status_text(c, now)},
      {"HostConfig", {{"NetworkMode", c.networks.empty() ? "default" : "bridge"}}},
      {"NetworkSettings", {{"Networks", networks}}},
      {"Mounts", mounts}};
  if (size) {
    summary["SizeRw"] = size->rw_size;
    summary["SizeRootFs"] = size->rootfs_size;
  }
  return summary;
}

void list(Exchange& x) {
  std::map<std::string, PodOf> pods;
  auto containers = listed_containers(x, pods);
  // Podman's entries name each member's pod.
  if (x.libpod() && pods.empty()) pods = pods_of_members(x.engine());
  bool with_size = x.query().flag("size", false);
  std::int64_t now = now_ns();
  ordered_json out = ordered_json::array();
  // Docker gives each network's ID; the names are looked up once, when a
  // listed container has a network.
  std::map<std::string, std::string> network_ids;
  bool networks_read = false;
  for (const auto& c : containers) {
    std::optional<engine::ContainerSize> size;
    if (with_size) size = x.engine().container_size(c.id);
    if (x.libpod()) {
      auto entry = engine::podman_container_json(c, size, x.query().flag("namespace", false), now);
      // Podman 4 clients decode Created as a time, Podman 5 ones as seconds.
      if (x.libpod_major() == 4) {
        entry["Created"] = format_rfc3339_nano(c.created_ns);
        // Podman 4's ps shows Status in parentheses after the state, as
        // the health check's status.
        entry["Status"] = c.health;
      }
      if (auto pod = pods.find(c.id); pod != pods.end()) {
        entry["IsInfra"] = pod->second.infra;
        entry["Pod"] = pod->second.id;
        entry["PodName"] = pod->second.name;
      }
      out.push_back(std::move(entry));
    } else {
      if (!networks_read && !c.networks.empty()) {
        for (const auto& network : x.engine().list_networks({})) {
          network_ids[network.name] = network.id;
        }
        networks_read = true;
      }
      out.push_back(compat_summary(c, size, now, network_ids));
    }
  }
  x.reply_json(status::ok, out);
}

// Docker's inspect object from Podman's: the name starts with "/", the
// image is its ID, Config.ExposedPorts lists the exposed and published
// ports, and each network's NetworkID is its ID, where Podman gives its
// name.
json compat_inspect(engine::Engine& engine, json inspect) {
  if (inspect.contains("Name") && inspect["Name"].is_string()) {
    inspect["Name"] = "/" + inspect["Name"].get<std::string>();
  }
  if (inspect.contains("Image") && inspect["Image"].is_string()) {
    inspect["Image"] = "sha256:" + inspect["Image"].get<std::string>();
  }
  if (inspect.contains("State") && inspect["State"].contains("Status")) {
    inspect["State"]["Status"] = docker_state(inspect["State"]["Status"].get<std::string>());
  }
  // Docker clients read logs only from the drivers Docker can read back
  // (the Python SDK's containers.run returns no output otherwise), and
  // berth's k8s-file logs serve the logs route just as json-file would.
  if (inspect.contains("HostConfig") && inspect["HostConfig"].contains("LogConfig") &&
      inspect["HostConfig"]["LogConfig"].value("Type", "") == "k8s-file") {
    inspect["HostConfig"]["LogConfig"]["Type"] = "json-file";
  }
  if (!inspect.contains("NetworkSettings") || !inspect["NetworkSettings"].is_object()) {
    return inspect;
  }
  json& settings = inspect["NetworkSettings"];
  if (settings.contains("Ports") && settings["Ports"].is_object() && inspect.contains("Config") &&
      inspect["Config"].is_object() && !settings["Ports"].empty()) {
    json exposed = json::object();
    for (const auto& [port, _] : settings["Ports"].items()) exposed[port] = json::object();
    inspect["Config"]["ExposedPorts"] = exposed;
  }
  if (settings.contains("Networks") && settings["Networks"].is_object()) {
    for (auto& [name, endpoint] : settings["Networks"].items()) {
      try {
        endpoint["NetworkID"] = engine.inspect_network(name).id;
      } catch (const Error& e) {
        // A network removed since the container joined it keeps its name.
        spdlog::debug("api: inspect: network {}: {}", name, e.what());
      }
    }
  }
  return inspect;
}

// Rewrites Podman 5's inspect fields that Podman 4 clients decode in
// their older types: the entrypoint as one string, the stop signal as a
// number.
void podman4_inspect(json& inspect) {
  if (!inspect.contains("Config") || !inspect["Config"].is_object()) return;
  auto& config = inspect["Config"];
  if (config.contains("Entrypoint") && config["Entrypoint"].is_array()) {
    std::string joined;
    for (const auto& word : config["Entrypoint"]) {
      if (!joined.empty()) joined += ' ';
      joined += word.is_string() ? word.get<std::string>() : word.dump();
    }
    config["Entrypoint"] = joined;
  }
  if (config.contains("StopSignal") && config["StopSignal"].is_string()) {
    int number = 15;
    try {
      number = container::parse_signal(config["StopSignal"].get<std::string>());
    } catch (const Error&) {
      // An unknown name keeps SIGTERM, the default.
    }
    config["StopSignal"] = number;
  }
}

void inspect(Exchange& x) {
  json result = x.engine().inspect_container(x.param("name"));
  if (result.is_array() && !result.empty()) result = result.front();
  if (x.libpod()) {
    if (x.libpod_major() == 4) podman4_inspect(result);
    x.reply_json(status::ok, result);
  } else {
    x.reply_json(status::ok, compat_inspect(x.engine(), std::move(result)));
  }
}

// Discards pull progress: create never pulls.
class NoProgress : public engine::PullProgress {
 public:
  void trying(const std::string&) override {}
  void copying_blob(const std::string&, bool) override {}
  void copying_config(const std::string&) override {}
  void writing_manifest() override {}
};

void create(Exchange& x) {
  json body = x.json_body();
  engine::CreateRequest request = x.libpod()
                                      ? libpod_create_request(body)
                                      : compat_create_request(body, x.query().get("name").value_or(""));
  // Docker clients pull and retry only when the 404 contains "No such image"
  // (the Python SDK matches that text), so a missing image gets Docker's
  // message in the compat API.
  if (!x.libpod() && !request.image.empty() && !x.engine().image_exists(request.image)) {
    fail(ErrorCode::kNotFound, "No such image: {}", request.image);
  }
  NoProgress progress;
  std::string id = x.engine().create(request, progress);
  x.reply_json(status::created, json{{"Id", id}, {"Warnings", json::array()}});
}

// The container's state as inspect reports it ("running", "exited", ...).
std::string container_state(Exchange& x) {
  json result = x.engine().inspect_container(x.param("name"));
  if (result.is_array() && !result.empty()) result = result.front();
  return result["State"].value("Status", "");
}

bool is_running(const std::string& state) {
  return state == "running" || state == "paused";
}

// Removes a container created with AutoRemove (run --rm) whose start
// failed, as `run --rm` does, because clients wait for its removal.
void remove_if_auto_remove(Exchange& x) {
  try {
    json inspect = x.engine().inspect_container(x.param("name"));
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    bool auto_remove = inspect.contains("HostConfig") && inspect["HostConfig"].is_object() &&
                       inspect["HostConfig"].value("AutoRemove", false);
    if (auto_remove) x.engine().remove(x.param("name"), true);
  } catch (const Error& e) {
    spdlog::warn("api: removing container {} after its failed start: {}", x.param("name"),
                 e.what());
  }
}

void start(Exchange& x) {
  if (is_running(container_state(x))) {
    x.reply_empty(status::not_modified);
    return;
  }
  // An attach client waiting for this start gets the container's output
  // from its first byte.
  os::Fd attach = take_pending_attach(x.engine().container_id(x.param("name")));
  container::StartOptions options;
  options.attach_fd = attach ? attach.get() : -1;
  try {
    x.engine().start(x.param("name"), options);
  } catch (const Error&) {
    remove_if_auto_remove(x);
    throw;
  }
  x.reply_empty(status::no_content);
}

std::optional<int> timeout_param(Exchange& x) {
  auto seconds = x.query().integer(x.libpod() ? "timeout" : "t");
  if (!seconds) seconds = x.query().integer("t");
  if (!seconds) return std::nullopt;
  return static_cast<int>(*seconds);
}

void stop(Exchange& x) {
  if (!is_running(container_state(x))) {
    x.reply_empty(status::not_modified);
    return;
  }
  x.engine().stop(x.param("name"), timeout_param(x));
  x.reply_empty(status::no_content);
}

void kill(Exchange& x) {
  // Libpod clients get the engine's own message, as the local CLI prints it.
  if (!x.libpod() && !is_running(container_state(x))) {
    fail(ErrorCode::kConflict, "cannot kill container: {}: container is not running",
         x.param("name"));
  }
  x.engine().kill(x.param("name"), x.query().get("signal").value_or("SIGKILL"));
  x.reply_empty(status::no_content);
}

void restart(Exchange& x) {
  x.engine().restart(x.param("name"), timeout_param(x));
  x.reply_empty(status::no_content);
}

// Docker's wait conditions, with Podman's stopped and exited taken as
// not-running.
container::WaitCondition wait_condition(Exchange& x) {
  std::string condition = x.query().get("condition").value_or("");
  if (condition.empty() || condition == "not-running" || condition == "stopped" ||
      condition == "exited") {
    return container::WaitCondition::kNotRunning;
  }
  if (condition == "next-exit") return container::WaitCondition::kNextExit;
  if (condition == "removed") return container::WaitCondition::kRemoved;
  fail(ErrorCode::kInvalidArgument,
       "invalid wait condition \"{}\": use not-running, next-exit or removed", condition);
}

// Returns a check for the wait loops: false once the client has hung up,
// so that its thread and the idle timeout are not held until the
// container meets the condition.
std::function<bool()> client_still_there(Exchange& x) {
  int client = x.client_fd();
  return [client] { return !peer_closed(client); };
}

// POST /libpod/containers/{name}/wait: Podman's repeated condition
// parameters (container states, healthy or unhealthy; none waits for the
// exit), checked every interval (a Go duration, 250ms by default). The
// body is the exit code, or -1 for a container that has not exited.
void libpod_wait(Exchange& x) {
  std::vector<std::string> conditions = x.query().all("condition");
  std::erase(conditions, "");
  engine::check_wait_states(conditions);
  std::int64_t interval_ns =
      engine::parse_wait_interval(x.query().get("interval").value_or("250ms"), "interval");
  // The container must exist when the wait begins.
  std::string id = x.engine().container_id(x.param("name"));
  int code = 0;
  try {
    code = engine::wait_for_states(x.engine(), id, conditions, interval_ns, client_still_there(x));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kUnavailable) throw;
    // The client went away or the service stops, so the reply rarely
    // reaches anyone and is no server error.
    spdlog::debug("api: wait for container {} ended early: {}", id, e.what());
    x.reply_json(status::service_unavailable, error_body(e, status::service_unavailable));
    return;
  }
  x.reply_json(status::ok, json(code));
}

// POST /containers/{name}/wait: Docker's not-running, next-exit or removed.
void wait(Exchange& x) {
  auto condition = wait_condition(x);
  // The container must exist when the wait begins.
  std::string id = x.engine().container_id(x.param("name"));
  // Docker clients wait for the response headers before they start the
  // container, so they go out at once.
  x.begin_stream(status::ok, "application/json");
  int code = 0;
  try {
    code = x.engine().wait_for(id, condition, client_still_there(x));
  } catch (const Error& e) {
    // The headers are out, so the error goes in Docker's shape, which its
    // clients read as a failed wait rather than an exit code.
    auto level = e.code() == ErrorCode::kUnavailable ? spdlog::level::debug : spdlog::level::warn;
    spdlog::log(level, "api: wait for container {} failed: {}", id, e.what());
    x.write_chunk(
        json_text(json{{"StatusCode", -1}, {"Error", {{"Message", std::string(e.what())}}}}) +
        "\n");
    x.end_stream();
    return;
  }
  x.write_chunk(json_text(json{{"StatusCode", code}, {"Error", nullptr}}) + "\n");
  x.end_stream();
}

// Removes the anonymous volumes a removed container mounted (v=true), as
// `rm --volumes` does: one that another container still uses stays.
void remove_anonymous_volumes(Exchange& x, const std::vector<std::string>& volumes) {
  for (const auto& volume : volumes) {
    try {
      x.engine().volume_remove(volume, false, std::nullopt);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kConflict && e.code() != ErrorCode::kNotFound) throw;
      spdlog::debug("api: keeping volume {} of a removed container: {}", volume, e.what());
    }
  }
}

void remove(Exchange& x) {
  bool force = x.query().flag("force", false);
  bool with_volumes = x.query().flag("v", false);
  std::string name = x.param("name");
  std::vector<std::string> volumes;
  if (x.libpod()) {
    bool ignore = x.query().flag("ignore", false);
    std::string id;
    try {
      id = x.engine().container_id(name);
      if (with_volumes) volumes = x.engine().anonymous_volumes(id);
      x.engine().remove(name, force);
    } catch (const Error& e) {
      if (!(ignore && e.code() == ErrorCode::kNotFound)) throw;
    }
    remove_anonymous_volumes(x, volumes);
    json report = json::array();
    if (!id.empty()) report.push_back({{"Id", id}, {"Err", nullptr}});
    x.reply_json(status::ok, report);
    return;
  }
  if (with_volumes) volumes = x.engine().anonymous_volumes(name);
  x.engine().remove(name, force);
  remove_anonymous_volumes(x, volumes);
  x.reply_empty(status::no_content);
}

}  // namespace

void add_container_routes(Router& router) {
  router.add(verb::post, "/libpod/containers/{name}/wait", libpod_wait);
  router.add(verb::post, "/containers/{name}/wait", wait);
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add_quick(verb::get, p + "/containers/json", list);
    router.add(verb::post, p + "/containers/create", create);
    router.add_quick(verb::get, p + "/containers/{name}/json", inspect);
    router.add(verb::post, p + "/containers/{name}/start", start);
    router.add(verb::post, p + "/containers/{name}/stop", stop);
    router.add(verb::post, p + "/containers/{name}/kill", kill);
    router.add(verb::post, p + "/containers/{name}/restart", restart);
    router.add(verb::delete_, p + "/containers/{name}", remove);
  }
}

}  // namespace berth::api
