// Pod routes, libpod only: create, list, inspect, exists, start, stop,
// restart, kill, pause, unpause, top, stats, delete and prune.

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "api/exchange.hpp"
#include "api/pod_json.hpp"
#include "api/pod_stats.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/engine.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

// Discards pull progress: the service reports none for an infra image.
class NoProgress : public engine::PullProgress {
 public:
  void trying(const std::string&) override {}
  void copying_blob(const std::string&, bool) override {}
  void copying_config(const std::string&) override {}
  void writing_manifest() override {}
};

// Podman's report of a pod operation that went through: its ID and no
// errors. A failed operation throws and gets the usual error body.
json pod_report(const std::string& id) { return {{"Id", id}, {"Errs", json::array()}}; }

// The timeout in seconds of stop and delete: "t" from Podman 4 clients,
// "timeout" from Podman 5 ones.
std::optional<int> timeout_param(Exchange& x) {
  auto seconds = x.query().integer("timeout");
  if (!seconds) seconds = x.query().integer("t");
  if (!seconds) return std::nullopt;
  return static_cast<int>(*seconds);
}

void create(Exchange& x) {
  auto request = pod_create_request(x.json_body());
  NoProgress progress;
  std::string id = x.engine().pod_create(request, progress);
  x.reply_json(status::created, json{{"Id", id}});
}

void list(Exchange& x) {
  auto filters = parse_filters(x.query().get("filters").value_or(""));
  ordered_json out = ordered_json::array();
  for (const auto& pod : x.engine().list_pods(filters)) out.push_back(pod_list_json(pod));
  x.reply_json(status::ok, out);
}

void inspect(Exchange& x) {
  x.reply_json(status::ok, pod_inspect_json(x.engine().inspect_pod(x.param("name"))));
}

void exists(Exchange& x) {
  if (!x.engine().pod_exists(x.param("name"))) {
    fail(ErrorCode::kNotFound, "no pod with name or ID {} found: no such pod", x.param("name"));
  }
  x.reply_empty(status::no_content);
}

// start and stop reply 304 when every member is already in that state, as
// Podman does. Its clients then print the pod name they sent.
void start(Exchange& x) {
  auto pod = x.engine().inspect_pod(x.param("name"));
  if (pod.status == "Running") {
    x.reply_empty(status::not_modified);
    return;
  }
  x.reply_json(status::ok, pod_report(x.engine().pod_start(pod.id)));
}

void stop(Exchange& x) {
  auto pod = x.engine().inspect_pod(x.param("name"));
  if (pod.status == "Created" || pod.status == "Stopped" || pod.status == "Exited") {
    x.reply_empty(status::not_modified);
    return;
  }
  x.reply_json(status::ok, pod_report(x.engine().pod_stop(pod.id, timeout_param(x))));
}

void restart(Exchange& x) {
  x.reply_json(status::ok, pod_report(x.engine().pod_restart(x.param("name"))));
}

void kill(Exchange& x) {
  std::string signal = x.query().get("signal").value_or("SIGKILL");
  x.reply_json(status::ok, pod_report(x.engine().pod_kill(x.param("name"), signal)));
}

void pause(Exchange& x) {
  x.reply_json(status::ok, pod_report(x.engine().pod_pause(x.param("name"))));
}

void unpause(Exchange& x) {
  x.reply_json(status::ok, pod_report(x.engine().pod_unpause(x.param("name"))));
}

// Podman's PodRmReport: the pod's ID and each removed container with its
// error (null).
void remove(Exchange& x) {
  auto pod = x.engine().inspect_pod(x.param("name"));
  std::string id =
      x.engine().pod_remove(pod.id, x.query().flag("force", false), timeout_param(x));
  json removed = json::object();
  for (const auto& member : pod.members) removed[member.id] = nullptr;
  x.reply_json(status::ok, json{{"Id", id}, {"RemovedCtrs", removed}, {"Err", nullptr}});
}

// top of every running member as one table with the first one's titles,
// as `pod top` prints it. ps_args as for a container's top.
void top(Exchange& x) {
  std::vector<std::string> descriptors;
  for (const auto& value : x.query().all("ps_args")) {
    std::istringstream words(value);
    std::string word;
    while (words >> word) descriptors.push_back(word);
  }
  auto pod = x.engine().inspect_pod(x.param("name"));
  json titles = json::array();
  json processes = json::array();
  for (const auto& member : pod.members) {
    if (member.status != "running") continue;
    auto rows = x.engine().top(member.id, descriptors);
    if (rows.empty()) continue;
    if (titles.empty()) titles = rows.front();
    for (std::size_t i = 1; i < rows.size(); ++i) processes.push_back(rows[i]);
  }
  if (titles.empty()) {
    fail(ErrorCode::kConflict, "no containers in pod {} are running: start the pod first", pod.id);
  }
  x.reply_json(status::ok, json{{"Titles", titles}, {"Processes", processes}});
}

// GET /libpod/pods/stats: Podman's PodStatsReport of every member of the
// pods named by namesOrIDs (repeated), or of every pod with all=true or no
// name. With no earlier sample to compare, CPU is the average since each
// container started, as in Podman's route. An unknown pod fails the whole
// request with 404.
void stats(Exchange& x) {
  auto names = x.query().all("namesOrIDs");
  if (x.query().flag("all", false) && !names.empty()) {
    fail(ErrorCode::kInvalidArgument, "--all, --latest and arguments cannot be used together");
  }
  std::vector<engine::PodReport> pods;
  if (names.empty()) {
    pods = x.engine().list_pods({});
    std::stable_sort(pods.begin(), pods.end(),
                     [](const auto& a, const auto& b) { return a.created_ns < b.created_ns; });
  }
  for (const auto& name : names) pods.push_back(x.engine().inspect_pod(name));
  ordered_json out = ordered_json::array();
  for (const auto& pod : pods) {
    for (const auto& member : pod.members) {
      try {
        out.push_back(pod_stats_report(pod.id, x.engine().stats(member.id), nullptr));
      } catch (const Error& e) {
        // A member removed since the pod was read has nothing to show.
        if (e.code() != ErrorCode::kNotFound) throw;
        spdlog::debug("GET /libpod/pods/stats: pod {}: skipping member {}: {}", pod.id, member.id,
                      e.what());
      }
    }
  }
  x.reply_json(status::ok, out);
}

void prune(Exchange& x) {
  json out = json::array();
  for (const auto& id : x.engine().pod_prune()) out.push_back({{"Id", id}, {"Err", nullptr}});
  x.reply_json(status::ok, out);
}

}  // namespace

void add_pod_routes(Router& router) {
  router.add(verb::post, "/libpod/pods/create", create);
  router.add_quick(verb::get, "/libpod/pods/json", list);
  router.add(verb::post, "/libpod/pods/prune", prune);
  router.add(verb::get, "/libpod/pods/stats", stats);
  router.add_quick(verb::get, "/libpod/pods/{name}/json", inspect);
  router.add_quick(verb::get, "/libpod/pods/{name}/exists", exists);
  router.add(verb::post, "/libpod/pods/{name}/start", start);
  router.add(verb::post, "/libpod/pods/{name}/stop", stop);
  router.add(verb::post, "/libpod/pods/{name}/restart", restart);
  router.add(verb::post, "/libpod/pods/{name}/kill", kill);
  router.add(verb::post, "/libpod/pods/{name}/pause", pause);
  router.add(verb::post, "/libpod/pods/{name}/unpause", unpause);
  router.add(verb::get, "/libpod/pods/{name}/top", top);
  router.add(verb::delete_, "/libpod/pods/{name}", remove);
}

}  // namespace berth::api
