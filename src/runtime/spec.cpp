#include "common/json_text.hpp"
#include "runtime/spec.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::runtime {

using nlohmann::json;

namespace {

constexpr const char* kOciVersion = "1.0.2";
constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Podman's default RLIMIT_NOFILE and RLIMIT_NPROC for root containers.
constexpr std::uint64_t kDefaultNofile = 1048576;
constexpr std::uint64_t kDefaultNproc = 4194304;

// Every capability of Linux 6.x in number order (CAP_CHOWN is 0), for
// validating --cap-add/--cap-drop names.
constexpr std::array<const char*, 41> kAllCapabilities = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",     "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",             "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE",  "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",          "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",        "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",        "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",         "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",      "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",        "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",       "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

// One step of the pipeline: it reads the input and fills its part of spec.
struct SpecStep {
  const char* name;
  void (*apply)(const SpecInput& input, json& spec);
};

bool has_env(const std::vector<std::string>& env, std::string_view key) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& entry) {
    return entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
           entry[key.size()] == '=';
  });
}


// The bounding set after --cap-add and --cap-drop ("ALL" drops or adds all;
// drops apply first, then adds, so "--cap-drop ALL --cap-add X" leaves X).
std::vector<std::string> resolve_capabilities(const SpecInput& input) {
  if (input.security.privileged) return all_capabilities();
  std::vector<std::string> caps = default_capabilities();
  for (const auto& name : input.drop_caps) {
    std::string cap = normalize_capability(name);
    if (cap == "ALL") {
      caps.clear();
    } else {
      caps.erase(std::remove(caps.begin(), caps.end(), cap), caps.end());
    }
  }
  for (const auto& name : input.add_caps) {
    std::string cap = normalize_capability(name);
    if (cap == "ALL") {
      caps = all_capabilities();
    } else if (std::find(caps.begin(), caps.end(), cap) == caps.end()) {
      caps.push_back(cap);
    }
  }
  return caps;
}

void apply_base(const SpecInput& input, json& spec) {
  if (input.container_id.empty()) fail(ErrorCode::kInvalidArgument, "container id is empty");
  if (input.rootfs.empty() || input.rootfs.front() != '/') {
    fail(ErrorCode::kInvalidArgument, "rootfs \"{}\" is not an absolute path", input.rootfs);
  }
  spec["ociVersion"] = kOciVersion;
  spec["root"] = {{"path", input.rootfs}, {"readonly", input.read_only}};
  // The container keeps a private UTS namespace. On the host network and
  // without --hostname it carries the host's name, as `uname -n` shows in a
  // Podman 4.7 container run with --network=host.
  std::string hostname = input.hostname;
  if (hostname.empty() && input.network_namespace == kHostNetwork) {
    char host_name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host_name, sizeof host_name - 1) == 0) hostname = host_name;
  }
  if (hostname.empty()) hostname = input.container_id.substr(0, 12);
  // A joined UTS namespace keeps the name its owner gave it.
  if (input.joined_namespaces.contains("uts")) return;
  spec["hostname"] = hostname;
}

void apply_process(const SpecInput& input, json& spec) {
  if (input.args.empty()) {
    fail(ErrorCode::kInvalidArgument, "no command given: set a command or an image entrypoint");
  }
  if (input.cwd.empty() || input.cwd.front() != '/') {
    fail(ErrorCode::kInvalidArgument, "working directory \"{}\" is not an absolute path",
         input.cwd);
  }
  json& process = spec["process"];
  process["terminal"] = input.terminal;
  if (input.terminal && input.console_rows > 0 && input.console_columns > 0) {
    process["consoleSize"] = {{"height", input.console_rows}, {"width", input.console_columns}};
  }
  process["args"] = input.args;
  process["cwd"] = input.cwd;
  process["noNewPrivileges"] = input.security.no_new_privileges;
}

void apply_user(const SpecInput& input, json& spec) {
  json user = {{"uid", input.uid}, {"gid", input.gid}};
  if (!input.additional_gids.empty()) user["additionalGids"] = input.additional_gids;
  spec["process"]["user"] = user;
}

void apply_env(const SpecInput& input, json& spec) {
  std::vector<std::string> env;
  if (input.default_path && !has_env(input.env, "PATH")) env.push_back(kDefaultPath);
  env.insert(env.end(), input.env.begin(), input.env.end());
  if (input.terminal && !has_env(input.env, "TERM")) env.push_back("TERM=xterm");
  if (!has_env(input.env, "HOME")) env.push_back("HOME=" + (input.home.empty() ? "/" : input.home));
  spec["process"]["env"] = env;
}

void apply_capabilities(const SpecInput& input, json& spec) {
  std::vector<std::string> bounding = resolve_capabilities(input);
  json caps = {{"bounding", bounding}, {"ambient", json::array()}};
  if (input.uid == 0) {
    caps["effective"] = bounding;
    caps["permitted"] = bounding;
    caps["inheritable"] = json::array();
  } else {
    // A non-root process starts without capabilities, as after execve(2);
    // only the ones added explicitly are raised, through the ambient set.
    std::vector<std::string> added;
    for (const auto& name : input.add_caps) {
      std::string cap = normalize_capability(name);
      if (cap != "ALL") added.push_back(cap);
    }
    caps["effective"] = added;
    caps["permitted"] = added;
    caps["inheritable"] = added;
    caps["ambient"] = added;
  }
  spec["process"]["capabilities"] = caps;
}

void apply_namespaces(const SpecInput& input, json& spec) {
  json namespaces = json::array();
  // Pods: a namespace of another container is joined by path, the host's
  // is left out.
  auto add = [&](const char* type) {
    auto joined = input.joined_namespaces.find(type);
    if (joined == input.joined_namespaces.end()) {
      namespaces.push_back({{"type", type}});
    } else if (joined->second != kHostNetwork) {
      namespaces.push_back({{"type", type}, {"path", joined->second}});
    }
  };
  add("pid");
  if (input.network_namespace.empty()) {
    namespaces.push_back({{"type", "network"}});
  } else if (input.network_namespace != kHostNetwork) {
    namespaces.push_back({{"type", "network"}, {"path", input.network_namespace}});
  }
  add("ipc");
  add("uts");
  namespaces.push_back({{"type", "mount"}});
  if (input.cgroup_v2) add("cgroup");
  if (input.user_namespace) {
    // runc 1.1.5 joins the user namespace first on exec, so a network
    // namespace given by path must belong to this user namespace
    // (container/start.cpp creates it inside).
    json user = {{"type", "user"}};
    if (!input.user_namespace_path.empty()) user["path"] = input.user_namespace_path;
    namespaces.push_back(user);
    auto mappings = [](const std::vector<IdMapping>& map) {
      json out = json::array();
      for (const IdMapping& m : map) {
        out.push_back({{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}});
      }
      return out;
    };
    spec["linux"]["uidMappings"] = mappings(input.uid_mappings);
    spec["linux"]["gidMappings"] = mappings(input.gid_mappings);
  }
  spec["linux"]["namespaces"] = namespaces;
}

json mount_json(const Mount& mount) {
  json entry = {{"destination", mount.destination}, {"type", mount.type},
                {"source", mount.source}};
  if (!mount.options.empty()) entry["options"] = mount.options;
  return entry;
}

std::vector<Mount> default_mounts(const SpecInput& input) {
  std::vector<Mount> mounts = {
      {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts", "devpts", "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"/dev/shm", "shm", "tmpfs", {"nosuid", "noexec", "nodev", "mode=1777"}},
  };
  // devpts takes gid=5 (tty) only when the user namespace maps GID 5.
  if (input.user_namespace && !map_to_host(input.gid_mappings, 5)) {
    std::erase(mounts[2].options, "gid=5");
  }
  if (input.shm_size > 0) {
    mounts.back().options.push_back("size=" + std::to_string(input.shm_size / 1024) + "k");
  }
  // A privileged container may write to /sys and its cgroups, as in Podman.
  const char* sys_access = input.security.privileged ? "rw" : "ro";
  // A new sysfs needs a network namespace that the container's user
  // namespace owns, which only a namespace the runtime creates is.
  bool foreign_netns = input.user_namespace && !input.network_namespace.empty();
  if (foreign_netns ||
      (input.network_namespace == kHostNetwork && input.uid != 0 && ::geteuid() != 0)) {
    // NOTE: without owning the network namespace a new sysfs cannot be
    // mounted, so a rootless container on the host network gets a bind.
    mounts.push_back({"/sys", "/sys", "bind",
                      {"rprivate", "nosuid", "noexec", "nodev", sys_access, "rbind"}});
  } else {
    mounts.push_back({"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", sys_access}});
  }
  mounts.push_back({"/sys/fs/cgroup", "cgroup", "cgroup",
                    {"rprivate", "nosuid", "noexec", "nodev", "relatime", sys_access}});
  if (input.read_only && input.read_only_tmpfs) {
    // Podman's --read-only-tmpfs default: writable scratch space on a
    // read-only root.
    for (const char* dir : {"/tmp", "/var/tmp", "/run"}) {
      mounts.push_back({dir, "tmpfs", "tmpfs", {"rw", "rprivate", "nosuid", "nodev"}});
    }
  }
  return mounts;
}

void apply_mounts(const SpecInput& input, json& spec) {
  json mounts = json::array();
  for (const auto& mount : default_mounts(input)) {
    bool replaced = std::any_of(input.mounts.begin(), input.mounts.end(),
                                [&](const Mount& m) { return m.destination == mount.destination; });
    if (!replaced) mounts.push_back(mount_json(mount));
  }
  for (const auto& mount : input.mounts) {
    if (mount.destination.empty() || mount.destination.front() != '/') {
      fail(ErrorCode::kInvalidArgument, "mount destination \"{}\" is not an absolute path",
           mount.destination);
    }
    mounts.push_back(mount_json(mount));
  }
  spec["mounts"] = mounts;
}

// Denies every device in the device cgroup; the runtime itself allows and
// creates the standard ones (null, zero, full, random, urandom, tty, ptmx).
// --device and --privileged add to that.
void apply_devices(const SpecInput& input, json& spec) {
  spec["linux"]["resources"]["devices"] = json::array({{{"allow", false}, {"access", "rwm"}}});
  apply_device_access(input.security, spec);
}

void apply_masked_paths(const SpecInput& input, json& spec) {
  spec["linux"]["maskedPaths"] = {
      "/proc/acpi",        "/proc/kcore",       "/proc/keys",      "/proc/latency_stats",
      "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
      "/sys/firmware",     "/sys/fs/selinux",   "/sys/dev/block",  "/sys/devices/virtual/powercap",
  };
  spec["linux"]["readonlyPaths"] = {
      "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
  };
  apply_path_masks(input.security, spec);
}

std::uint64_t clamp_limit(const char* name, std::uint64_t requested, std::uint64_t host_hard) {
  if (requested <= host_hard) return requested;
  spdlog::debug("{} {} is above the host's hard limit {}: using {}", name, requested, host_hard,
                host_hard);
  return host_hard;
}

// The rlimits: Podman's RLIMIT_NOFILE and RLIMIT_NPROC defaults, replaced
// by containers.conf defaults of the same type, all lowered to the host's
// hard limits, and then replaced by --ulimit values of the same type.
void apply_rlimits(const SpecInput& input, json& spec) {
  HostLimits host = input.host_limits ? *input.host_limits : read_host_limits();
  std::vector<Rlimit> defaults = {{"RLIMIT_NOFILE", kDefaultNofile, kDefaultNofile},
                                  {"RLIMIT_NPROC", kDefaultNproc, kDefaultNproc}};
  auto set_limit = [](std::vector<Rlimit>& limits, const Rlimit& limit) {
    std::erase_if(limits, [&](const Rlimit& l) { return l.type == limit.type; });
    limits.push_back(limit);
  };
  for (const Rlimit& limit : input.resources.default_rlimits) set_limit(defaults, limit);
  for (Rlimit& limit : defaults) {
    std::uint64_t host_hard = limit.type == "RLIMIT_NOFILE" ? host.nofile_hard
                              : limit.type == "RLIMIT_NPROC" ? host.nproc_hard
                                                             : limit.hard;
    std::string name = limit.type;
    limit.hard = clamp_limit(name.c_str(), limit.hard, host_hard);
    limit.soft = std::min(limit.soft, limit.hard);
  }
  for (const Rlimit& limit : input.resources.rlimits) set_limit(defaults, limit);
  json rlimits = json::array();
  for (const Rlimit& limit : defaults) {
    rlimits.push_back({{"type", limit.type}, {"hard", limit.hard}, {"soft", limit.soft}});
  }
  spec["process"]["rlimits"] = rlimits;
}

// A privileged container runs without a filter unless a profile was given,
// as in Podman.
void apply_seccomp(const SpecInput& input, json& spec) {
  if (!input.seccomp) return;
  const json& bounding = spec["process"]["capabilities"]["bounding"];
  if (input.security.seccomp_profile) {
    spec["linux"]["seccomp"] = convert_seccomp_profile(*input.security.seccomp_profile, bounding);
  } else if (!input.security.privileged) {
    spec["linux"]["seccomp"] = default_seccomp_profile(bounding);
  }
}

void apply_cgroups(const SpecInput& input, json& spec) {
  if (!input.cgroups_path.empty()) spec["linux"]["cgroupsPath"] = input.cgroups_path;
  if (input.pids_limit > 0) spec["linux"]["resources"]["pids"] = {{"limit", input.pids_limit}};
  apply_resource_limits(input.resources, input.cgroup_v2, spec);
}

void apply_hooks(const SpecInput& input, json& spec) {
  if (input.create_runtime_hooks.empty()) return;
  json hooks = json::array();
  for (const Hook& hook : input.create_runtime_hooks) {
    if (hook.path.empty() || hook.path[0] != '/') {
      fail(ErrorCode::kInvalidArgument, "hook path \"{}\" must be absolute", hook.path);
    }
    json entry = {{"path", hook.path}, {"args", hook.args}};
    if (hook.timeout_seconds > 0) entry["timeout"] = hook.timeout_seconds;
    hooks.push_back(std::move(entry));
  }
  spec["hooks"]["createRuntime"] = std::move(hooks);
}

void apply_annotations(const SpecInput& input, json& spec) {
  spec["annotations"] = {{"io.container.manager", "berth"}};
}

// Order matters where a step reads what an earlier one wrote: seccomp reads
// the capability set.
constexpr std::array<SpecStep, 14> kSteps = {{
    {"base", apply_base},
    {"process", apply_process},
    {"user", apply_user},
    {"env", apply_env},
    {"capabilities", apply_capabilities},
    {"namespaces", apply_namespaces},
    {"mounts", apply_mounts},
    {"devices", apply_devices},
    {"masked paths", apply_masked_paths},
    {"rlimits", apply_rlimits},
    {"seccomp", apply_seccomp},
    {"cgroups", apply_cgroups},
    {"hooks", apply_hooks},
    {"annotations", apply_annotations},
}};

}  // namespace

std::vector<std::string> all_capabilities() {
  std::vector<std::string> caps;
  for (std::size_t number = 0; number < kAllCapabilities.size(); ++number) {
    if (::prctl(PR_CAPBSET_READ, number, 0, 0, 0) == 1) caps.push_back(kAllCapabilities[number]);
  }
  return caps;
}


std::string normalize_capability(std::string_view name) {
  std::string upper;
  for (char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (upper == "ALL") return upper;
  if (upper.rfind("CAP_", 0) != 0) upper = "CAP_" + upper;
  auto known = std::find_if(kAllCapabilities.begin(), kAllCapabilities.end(),
                            [&](const char* cap) { return upper == cap; });
  if (known == kAllCapabilities.end()) {
    fail(ErrorCode::kInvalidArgument, "unknown capability \"{}\": use a name like NET_ADMIN",
         name);
  }
  return upper;
}

HostLimits read_host_limits() {
  HostLimits limits;
  rlimit value{};
  limits.nofile_hard = ::getrlimit(RLIMIT_NOFILE, &value) == 0 ? value.rlim_max : kDefaultNofile;
  limits.nproc_hard = ::getrlimit(RLIMIT_NPROC, &value) == 0 ? value.rlim_max : kDefaultNproc;
  return limits;
}

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",  "CAP_KILL",
      "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
      "CAP_SYS_CHROOT",
  };
  return caps;
}

json build_spec(const SpecInput& input) {
  json spec = json::object();
  for (const auto& step : kSteps) {
    with_context(fmt::format("generating OCI spec ({})", step.name),
                 [&] { step.apply(input, spec); });
  }
  return spec;
}

void write_spec(const std::string& bundle_dir, const json& spec) {
  // Rewritten on every start, so a crash that loses it loses nothing.
  os::write_file_atomic(bundle_dir + "/config.json", json_text(spec), 0600,
                        os::Durability::kVolatile);
}

}  // namespace berth::runtime
