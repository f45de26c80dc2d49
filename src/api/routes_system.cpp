// System routes: _ping, version and info, for both APIs.

#include <sys/utsname.h>

#include <mutex>
#include <string>

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "engine/engine.hpp"

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
}

}  // namespace berth::api
