// System routes: _ping, version and info, for both APIs, and libpod's
// system prune.

#include <sys/utsname.h>

#include <mutex>
#include <string>

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "engine/engine.hpp"
#include "engine/system_prune.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;

const char* go_arch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#else
  return "unknown";
#endif
}

void ping(Exchange& x) {
  x.reply_text(status::ok, "text/plain; charset=utf-8", "OK");
}

nlohmann::ordered_json version_json() {
  utsname host{};
  ::uname(&host);
  nlohmann::ordered_json details = {{"APIVersion", kLibpodApiVersion},
                                    {"Arch", go_arch()},
                                    {"BuildTime", ""},
                                    {"Experimental", "false"},
                                    {"GitCommit", ""},
                                    {"GoVersion", ""},
                                    {"KernelVersion", host.release},
                                    {"MinAPIVersion", kCompatMinApiVersion},
                                    {"Os", "linux"}};
  return {{"Platform", {{"Name", std::string("linux/") + go_arch()}}},
          {"Components",
           nlohmann::ordered_json::array(
               {{{"Name", "Podman Engine"}, {"Version", "0.1.0"}, {"Details", details}}})},
          {"Version", "0.1.0"},
          {"ApiVersion", kCompatApiVersion},
          {"MinAPIVersion", kCompatMinApiVersion},
          {"GitCommit", ""},
          {"GoVersion", ""},
          {"Os", "linux"},
          {"Arch", go_arch()},
          {"KernelVersion", host.release},
          {"BuildTime", ""}};
}

void version(Exchange& x) { x.reply_json(status::ok, version_json()); }

// Docker's info object, filled from the engine's Podman-shaped info.
nlohmann::ordered_json compat_info(const nlohmann::ordered_json& info) {
  const auto& host = info["host"];
  const auto& store = info["store"];
  const auto& containers = store["containerStore"];
  auto number = [](const nlohmann::ordered_json& object, const char* key) -> std::int64_t {
    return object.contains(key) && object[key].is_number() ? object[key].get<std::int64_t>() : 0;
  };
  std::string runtime = host.contains("ociRuntime") ? host["ociRuntime"].value("name", "runc")
                                                    : "runc";
  return {{"ID", ""},
          {"Containers", number(containers, "number")},
          {"ContainersRunning", number(containers, "running")},
          {"ContainersPaused", number(containers, "paused")},
          {"ContainersStopped", number(containers, "stopped")},
          {"Images", number(store["imageStore"], "number")},
          {"Driver", store.value("graphDriverName", "overlay")},
          {"DriverStatus", nlohmann::ordered_json::array()},
          {"MemoryLimit", true},
          {"SwapLimit", true},
          {"CpuCfsPeriod", true},
          {"CpuCfsQuota", true},
          {"CPUShares", true},
          {"CPUSet", true},
          {"PidsLimit", true},
          {"IPv4Forwarding", true},
          {"Debug", false},
          {"NFd", 0},
          {"NGoroutines", 0},
          {"LoggingDriver", host.value("logDriver", "k8s-file")},
          {"CgroupDriver", host.value("cgroupManager", "cgroupfs")},
          {"CgroupVersion", host.value("cgroupVersion", "v2") == "v1" ? "1" : "2"},
          {"KernelVersion", host.value("kernel", "")},
          {"OperatingSystem", host.contains("distribution")
                                  ? host["distribution"].value("distribution", "linux")
                                  : "linux"},
          {"OSVersion", host.contains("distribution")
                            ? host["distribution"].value("version", "")
                            : ""},
          {"OSType", "linux"},
          {"Architecture", host.value("arch", go_arch())},
          {"NCPU", number(host, "cpus")},
          {"MemTotal", number(host, "memTotal")},
          {"DockerRootDir", store.value("graphRoot", "")},
          {"Name", host.value("hostname", "")},
          {"ServerVersion", "0.1.0"},
          {"Runtimes", {{runtime, {{"path", host["ociRuntime"].value("path", "")}}}}},
          {"DefaultRuntime", runtime},
          {"Labels", nlohmann::ordered_json::array()},
          {"ExperimentalBuild", true},
          {"SecurityOptions", nlohmann::ordered_json::array({"name=seccomp,profile=default"})},
          {"Warnings", nlohmann::ordered_json::array()}};
}

std::mutex g_served_socket_mutex;
std::string g_served_socket;  // guarded by g_served_socket_mutex

void info(Exchange& x) {
  auto info = x.engine().system_info();
  std::string served;
  {
    std::lock_guard lock(g_served_socket_mutex);
    served = g_served_socket;
  }
  if (!served.empty() && info.contains("host") && info["host"].is_object()) {
    info["host"]["remoteSocket"] = {{"exists", true}, {"path", served}};
  }
  if (x.libpod()) {
    x.reply_json(status::ok, info);
  } else {
    x.reply_json(status::ok, compat_info(info));
  }
}

// Podman's prune report of one object: Id (a name for volumes) and Size,
// with Err set to the message when it could not be removed.
nlohmann::ordered_json prune_reports(const std::vector<engine::PrunedItem>& items, bool with_size) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& item : items) {
    nlohmann::ordered_json report = {{"Id", item.id}};
    report["Err"] = nullptr;
    if (!item.error.empty()) report["Err"] = item.error;
    if (with_size) report["Size"] = item.size;
    out.push_back(std::move(report));
  }
  return out;
}

// POST /libpod/system/prune: Podman's query (all, volumes, filters) and
// its SystemPruneReport.
void system_prune(Exchange& x) {
  engine::SystemPruneRequest request;
  request.all = x.query().flag("all", false);
  request.volumes = x.query().flag("volumes", false);
  request.filters = parse_filters(x.query().get("filters").value_or(""));
  auto report = engine::prune_system(x.engine(), request);
  nlohmann::ordered_json networks = nlohmann::ordered_json::array();
  for (const auto& item : report.networks) {
    networks.push_back({{"Name", item.id}, {"Error", nullptr}});
  }
  x.reply_json(status::ok, nlohmann::ordered_json{
                               {"PodPruneReport", prune_reports(report.pods, false)},
                               {"ContainerPruneReports", prune_reports(report.containers, true)},
                               {"ImagePruneReports", prune_reports(report.images, true)},
                               {"NetworkPruneReports", networks},
                               {"VolumePruneReports", prune_reports(report.volumes, true)},
                               {"ReclaimedSpace", report.reclaimed}});
}

}  // namespace

void set_served_socket(std::string socket) {
  std::lock_guard lock(g_served_socket_mutex);
  g_served_socket = std::move(socket);
}

void add_system_routes(Router& router) {
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add_quick(verb::get, p + "/_ping", ping);
    router.add_quick(verb::head, p + "/_ping", ping);
    router.add_quick(verb::get, p + "/version", version);
    router.add(verb::get, p + "/info", info);
  }
  router.add(verb::post, "/libpod/system/prune", system_prune);
}

}  // namespace berth::api
