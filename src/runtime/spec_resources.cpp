#include "runtime/spec_resources.hpp"

#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"

namespace berth::runtime {

using nlohmann::json;

namespace {

// The seccomp architectures and the Go architecture name of the host, as
// Podman's profiles use them in "archMap" and "includes.arches".
struct HostArch {
  std::string seccomp;
  std::string go;
};

HostArch host_arch() {
  utsname name{};
  ::uname(&name);
  std::string machine = name.machine;
  if (machine == "x86_64") return {"SCMP_ARCH_X86_64", "amd64"};
  if (machine == "aarch64") return {"SCMP_ARCH_AARCH64", "arm64"};
  if (machine == "ppc64le") return {"SCMP_ARCH_PPC64LE", "ppc64le"};
  if (machine == "s390x") return {"SCMP_ARCH_S390X", "s390x"};
  if (machine == "riscv64") return {"SCMP_ARCH_RISCV64", "riscv64"};
  return {"SCMP_ARCH_NATIVE", machine};
}

bool contains(const json& list, const std::string& value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(),
                     [&](const json& item) { return item.is_string() && item == value; });
}

// Whether a Podman-format rule's "includes" and "excludes" hold for this
// container: every included capability granted, no excluded one, and the
// host architecture included and not excluded. minKernel is not checked.
bool rule_applies(const json& rule, const std::vector<std::string>& capabilities,
                  const std::string& go_arch) {
  auto granted = [&](const json& cap) {
    return cap.is_string() && std::find(capabilities.begin(), capabilities.end(),
                                        cap.get<std::string>()) != capabilities.end();
  };
  json includes = rule.value("includes", json::object());
  json excludes = rule.value("excludes", json::object());
  if (includes.contains("caps") && includes["caps"].is_array()) {
    for (const auto& cap : includes["caps"]) {
      if (!granted(cap)) return false;
    }
  }
  if (excludes.contains("caps") && excludes["caps"].is_array()) {
    for (const auto& cap : excludes["caps"]) {
      if (granted(cap)) return false;
    }
  }
  if (includes.contains("arches") && !contains(includes["arches"], go_arch)) return false;
  if (excludes.contains("arches") && contains(excludes["arches"], go_arch)) return false;
  return true;
}

json oci_architectures(const json& profile, const HostArch& arch) {
  json architectures = json::array();
  if (profile.contains("archMap") && profile["archMap"].is_array()) {
    for (const auto& entry : profile["archMap"]) {
      if (entry.value("architecture", "") != arch.seccomp) continue;
      architectures.push_back(arch.seccomp);
      for (const auto& sub : entry.value("subArchitectures", json::array())) {
        architectures.push_back(sub);
      }
    }
  } else if (profile.contains("architectures")) {
    architectures = profile["architectures"];
  }
  return architectures;
}

bool device_in(const std::vector<Device>& devices, const std::string& path) {
  return std::any_of(devices.begin(), devices.end(),
                     [&](const Device& d) { return d.path == path; });
}

}  // namespace

void apply_resource_limits(const ResourceSpec& r, bool cgroup_v2, json& spec) {
  json& resources = spec["linux"]["resources"];
  json memory = json::object();
  if (r.memory) memory["limit"] = *r.memory;
  if (r.memory_reservation) memory["reservation"] = *r.memory_reservation;
  if (r.memory_swap) memory["swap"] = *r.memory_swap;
  // cgroup v2 has no swappiness file; runc and crun reject the field there.
  if (r.memory_swappiness && !cgroup_v2) memory["swappiness"] = *r.memory_swappiness;
  if (!memory.empty()) resources["memory"] = memory;

  json cpu = json::object();
  if (r.cpu_shares) cpu["shares"] = *r.cpu_shares;
  if (r.cpu_quota) cpu["quota"] = *r.cpu_quota;
  if (r.cpu_period) cpu["period"] = *r.cpu_period;
  if (!r.cpuset_cpus.empty()) cpu["cpus"] = r.cpuset_cpus;
  if (!r.cpuset_mems.empty()) cpu["mems"] = r.cpuset_mems;
  if (!cpu.empty()) resources["cpu"] = cpu;

  if (r.blkio_weight) resources["blockIO"] = {{"weight", *r.blkio_weight}};
  if (!r.sysctls.empty()) spec["linux"]["sysctl"] = r.sysctls;
  if (r.oom_score_adj) spec["process"]["oomScoreAdj"] = *r.oom_score_adj;
}

void apply_device_access(const SecuritySpec& security, json& spec) {
  json& linux = spec["linux"];
  json& allowed = linux["resources"]["devices"];
  if (!allowed.is_array()) allowed = json::array();
  if (security.privileged) allowed.push_back({{"allow", true}, {"access", "rwm"}});
  if (security.devices.empty()) return;
  json nodes = json::array();
  for (const Device& device : security.devices) {
    nodes.push_back({{"path", device.path},
                     {"type", std::string(1, device.type)},
                     {"major", device.major},
                     {"minor", device.minor},
                     {"fileMode", device.file_mode},
                     {"uid", device.uid},
                     {"gid", device.gid}});
    if (!security.privileged) {
      allowed.push_back({{"allow", true},
                         {"type", std::string(1, device.type)},
                         {"major", device.major},
                         {"minor", device.minor},
                         {"access", device.access}});
    }
  }
  linux["devices"] = nodes;
}

void apply_path_masks(const SecuritySpec& security, json& spec) {
  json& linux = spec["linux"];
  if (security.privileged) {
    linux["maskedPaths"] = json::array();
    linux["readonlyPaths"] = json::array();
  }
  for (const auto& path : security.mask) {
    if (!contains(linux["maskedPaths"], path)) linux["maskedPaths"].push_back(path);
  }
  bool all =
      std::find(security.unmask.begin(), security.unmask.end(), "ALL") != security.unmask.end();
  for (const char* key : {"maskedPaths", "readonlyPaths"}) {
    json kept = json::array();
    for (const auto& path : linux[key]) {
      std::string text = path.get<std::string>();
      bool unmasked =
          all || std::any_of(security.unmask.begin(), security.unmask.end(),
                             [&](const std::string& pattern) {
                               return ::fnmatch(pattern.c_str(), text.c_str(), FNM_PATHNAME) == 0;
                             });
      if (!unmasked) kept.push_back(text);
    }
    linux[key] = kept;
  }
}

json convert_seccomp_profile(const json& profile, const std::vector<std::string>& capabilities) {
  if (!profile.is_object() || !profile.contains("defaultAction")) {
    fail(ErrorCode::kInvalidArgument, "invalid seccomp profile: it has no \"defaultAction\"");
  }
  HostArch arch = host_arch();
  json out = {{"defaultAction", profile["defaultAction"]},
              {"architectures", oci_architectures(profile, arch)}};
  if (profile.contains("defaultErrnoRet")) out["defaultErrnoRet"] = profile["defaultErrnoRet"];
  if (profile.contains("flags")) out["flags"] = profile["flags"];
  json syscalls = json::array();
  for (const auto& rule : profile.value("syscalls", json::array())) {
    if (!rule_applies(rule, capabilities, arch.go)) continue;
    json names = rule.contains("names") ? rule["names"] : json::array();
    if (rule.contains("name")) names.push_back(rule["name"]);
    if (names.empty()) continue;
    json entry = {{"names", names}, {"action", rule.value("action", "SCMP_ACT_ALLOW")}};
    if (rule.contains("errnoRet")) entry["errnoRet"] = rule["errnoRet"];
    if (rule.contains("args") && rule["args"].is_array() && !rule["args"].empty()) {
      entry["args"] = rule["args"];
    }
    syscalls.push_back(std::move(entry));
  }
  out["syscalls"] = syscalls;
  return out;
}

Device device_from_path(const std::string& host_path, const std::string& container_path,
                        const std::string& access) {
  struct stat st {};
  if (::stat(host_path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) fail(ErrorCode::kNotFound, "device \"{}\" not found on the host", host_path);
    fail_errno(err, "reading device \"" + host_path + "\"");
  }
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
    fail(ErrorCode::kInvalidArgument, "\"{}\" is not a device node", host_path);
  }
  Device device;
  device.path = container_path;
  device.type = S_ISCHR(st.st_mode) ? 'c' : 'b';
  device.major = major(st.st_rdev);
  device.minor = minor(st.st_rdev);
  device.file_mode = st.st_mode & 07777;
  device.uid = st.st_uid;
  device.gid = st.st_gid;
  device.access = access;
  return device;
}

std::vector<Device> host_devices() {
  std::vector<Device> devices;
  std::error_code ec;
  auto options = std::filesystem::directory_options::skip_permission_denied;
  std::filesystem::recursive_directory_iterator it("/dev", options, ec), end;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const auto& path = it->path();
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      // Pseudo-terminals, shared memory and message queues get their own
      // mounts in the container.
      if (path == "/dev/pts" || path == "/dev/shm" || path == "/dev/mqueue") {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it->is_symlink(ec)) continue;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) continue;
    if (device_in(devices, path.string())) continue;
    devices.push_back(device_from_path(path.string(), path.string(), "rwm"));
  }
  return devices;
}

}  // namespace berth::runtime
