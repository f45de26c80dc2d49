// system info of LocalEngine: the host, store, registries and version
// sections of Podman's info, with its JSON key names.

#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.hpp"
#include "config/registries.hpp"
#include "config/service_socket.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "os/file.hpp"
#include "os/process.hpp"
#include "runtime/oci_runtime.hpp"
#include "runtime/spec.hpp"

namespace berth::engine {

namespace {

using json = nlohmann::ordered_json;

// The version berth reports, as `berth version` prints it.
constexpr const char* kBerthVersion = "0.1.0";

#if defined(__x86_64__)
constexpr const char* kArch = "amd64";
#elif defined(__aarch64__)
constexpr const char* kArch = "arm64";
#else
constexpr const char* kArch = "unknown";
#endif

bool is_cgroup_v2() {
  struct statfs fs {};
  constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC
  return ::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == kCgroup2Magic;
}

// The controllers a container can use: cgroup.controllers of the root on
// v2, the mounted hierarchies on v1.
json cgroup_controllers(bool v2) {
  json list = json::array();
  if (v2) {
    std::istringstream words(os::read_file_if_exists("/sys/fs/cgroup/cgroup.controllers")
                                 .value_or(""));
    for (std::string word; words >> word;) list.push_back(word);
    return list;
  }
  for (const char* name : {"cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer",
                           "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma"}) {
    if (os::path_exists(std::string("/sys/fs/cgroup/") + name)) list.push_back(name);
  }
  return list;
}

// Reads KEY=VALUE lines of /etc/os-release, unquoting values.
json distribution() {
  std::map<std::string, std::string> fields;
  std::ifstream file("/etc/os-release");
  for (std::string line; std::getline(file, line);) {
    auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    std::string value = line.substr(equals + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      value = value.substr(1, value.size() - 2);
    }
    fields[line.substr(0, equals)] = value;
  }
  json out = json::object();
  if (fields.count("VERSION_CODENAME")) out["codename"] = fields["VERSION_CODENAME"];
  out["distribution"] = fields.count("ID") ? fields["ID"] : "unknown";
  out["version"] = fields.count("VERSION_ID") ? fields["VERSION_ID"] : "unknown";
  return out;
}

std::string runtime_version(const std::string& path) {
  try {
    auto result = os::run_process({path, "--version"});
    std::string text = result.out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  } catch (const std::exception& e) {
    spdlog::debug("reading the version of {}: {}", path, e.what());
    return "";
  }
}

// Formats seconds of uptime as Podman does: "10h 2m 32.00s (Approximately
// 0.42 days)".
std::string uptime_text(long seconds) {
  return fmt::format("{}h {}m {}.00s (Approximately {:.2f} days)", seconds / 3600,
                     seconds % 3600 / 60, seconds % 60, static_cast<double>(seconds) / 86400);
}

json host_section(container::Context& ctx) {
  struct utsname names {};
  ::uname(&names);
  struct sysinfo system {};
  ::sysinfo(&system);
  bool v2 = is_cgroup_v2();
  const auto& runtime = ctx.runtime();
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  std::string capabilities;
  for (const auto& cap : runtime::default_capabilities()) {
    capabilities += (capabilities.empty() ? "" : ",") + cap;
  }
  auto unit = static_cast<std::int64_t>(system.mem_unit);
  json host = json::object();
  host["arch"] = kArch;
  host["cgroupControllers"] = cgroup_controllers(v2);
  host["cgroupManager"] = "cgroupfs";
  host["cgroupVersion"] = v2 ? "v2" : "v1";
  // berth-monitor plays conmon's part.
  host["conmon"] = {{"package", ""}, {"path", ctx.monitor_binary()}, {"version", kBerthVersion}};
  host["cpus"] = ::sysconf(_SC_NPROCESSORS_ONLN);
  host["distribution"] = distribution();
  host["eventLogger"] = "database";
  host["hostname"] = hostname;
  host["idMappings"] = {{"gidmap", nullptr}, {"uidmap", nullptr}};
  host["kernel"] = names.release;
  host["linkmode"] = "dynamic";
  host["logDriver"] = "k8s-file";
  host["memFree"] = static_cast<std::int64_t>(system.freeram) * unit;
  host["memTotal"] = static_cast<std::int64_t>(system.totalram) * unit;
  host["networkBackend"] = "berth";
  host["ociRuntime"] = {{"name", runtime.name()},
                        {"package", ""},
                        {"path", runtime.path()},
                        {"version", runtime_version(runtime.path())}};
  host["os"] = "linux";
  host["security"] = {{"apparmorEnabled", false},
                      {"capabilities", capabilities},
                      {"rootless", ::geteuid() != 0},
                      {"seccompEnabled", true},
                      {"seccompProfilePath", ""},
                      {"selinuxEnabled", os::path_exists("/sys/fs/selinux/enforce")}};
  // The socket `system service` listens on by default. `system connection
  // add` reads it from a host over ssh.
  std::string socket = config::default_service_socket();
  host["remoteSocket"] = {{"exists", os::path_exists(socket)}, {"path", socket}};
  host["serviceIsRemote"] = false;
  host["swapFree"] = static_cast<std::int64_t>(system.freeswap) * unit;
  host["swapTotal"] = static_cast<std::int64_t>(system.totalswap) * unit;
  host["uptime"] = uptime_text(system.uptime);
  return host;
}

json store_section(container::Context& ctx) {
  const auto& paths = ctx.paths();
  std::int64_t running = 0, paused = 0, stopped = 0;
  auto containers = container::list(ctx);
  for (const auto& c : containers) {
    if (c.status == "running") {
      ++running;
    } else if (c.status == "paused") {
      ++paused;
    } else {
      ++stopped;
    }
  }
  struct statvfs fs {};
  std::int64_t allocated = 0, used = 0;
  if (::statvfs(paths.root.c_str(), &fs) == 0) {
    allocated = static_cast<std::int64_t>(fs.f_blocks) * static_cast<std::int64_t>(fs.f_frsize);
    used = allocated - static_cast<std::int64_t>(fs.f_bfree) * static_cast<std::int64_t>(fs.f_frsize);
  }
  json store = json::object();
  store["configFile"] = "";
  store["containerStore"] = {{"number", static_cast<std::int64_t>(containers.size())},
                             {"paused", paused},
                             {"running", running},
                             {"stopped", stopped}};
  store["graphDriverName"] = "overlay";
  store["graphOptions"] = json::object();
  store["graphRoot"] = paths.root;
  store["graphRootAllocated"] = allocated;
  store["graphRootUsed"] = used;
  store["imageCopyTmpDir"] = paths.tmp();
  store["imageStore"] = {{"number", static_cast<std::int64_t>(ctx.db().list_images().size())}};
  store["runRoot"] = paths.run_root;
  store["volumePath"] = paths.root + "/volumes";
  return store;
}

}  // namespace

nlohmann::ordered_json LocalEngine::system_info() {
  json info = json::object();
  info["host"] = host_section(ctx_);
  info["plugins"] = {{"authorization", nullptr},
                     {"log", {"k8s-file", "json-file", "none", "passthrough", "journald"}},
                     {"network", {"bridge"}},
                     {"volume", {"local"}}};
  json registries_section = json::object();
  const auto& search = registries().unqualified_search_registries;
  if (!search.empty()) registries_section["search"] = search;
  info["registries"] = registries_section;
  info["store"] = store_section(ctx_);
  info["version"] = {{"APIVersion", kBerthVersion},
                     {"Built", 0},
                     {"BuiltTime", "Thu Jan  1 00:00:00 1970"},
                     {"GitCommit", ""},
                     {"Os", "linux"},
                     {"OsArch", std::string("linux/") + kArch},
                     {"Version", kBerthVersion}};
  return info;
}

}  // namespace berth::engine
