#pragma once

// OCI runtime config.json generation (runtime spec 1.0.2, plus the
// seccomp defaultErrnoRet field that runc >= 1.0 and crun read).
//
// build_spec() runs a fixed pipeline of small named steps (process, user,
// env, capabilities, namespaces, mounts, devices, masked paths, rlimits,
// seccomp, cgroups, annotations), each filling its part of the document, with
// the defaults Podman 4/5 applies to a root container.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/id_mapping.hpp"
#include "runtime/spec_resources.hpp"

namespace berth::runtime {

// One entry of config.json "mounts".
struct Mount {
  std::string destination;           // absolute path inside the container
  std::string source;                // host path for binds, or the fs name
  std::string type = "bind";         // "bind", "tmpfs", ...
  std::vector<std::string> options;  // e.g. {"rbind", "ro"}
};

// One OCI hook: a program the runtime runs at a point of the container's
// start, with the container's state on stdin.
struct Hook {
  std::string path;               // absolute
  std::vector<std::string> args;  // argv, including argv[0]
  int timeout_seconds = 0;        // 0: none
};

// Hard limits of the calling process that the container's rlimits must not
// exceed, because raising a hard limit can fail with EPERM.
struct HostLimits {
  std::uint64_t nofile_hard = 0;
  std::uint64_t nproc_hard = 0;
};

// Reads the hard RLIMIT_NOFILE and RLIMIT_NPROC of the calling process.
HostLimits read_host_limits();

// The name of network_namespace that shares the host's network namespace.
inline constexpr std::string_view kHostNetwork = "host";

struct SpecInput {
  std::string container_id;
  std::string rootfs;  // absolute path of the mounted root file system
  std::vector<std::string> args;
  std::vector<std::string> env;  // KEY=VALUE; PATH, HOME and TERM get defaults
  // Whether a missing PATH gets the default. A container's env has PATH
  // unless the user removed it (--unsetenv PATH), so start turns this off.
  bool default_path = true;
  std::string cwd = "/";
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additional_gids;
  std::string home = "/";  // HOME when env has none (see resolve_user)
  bool terminal = false;
  // Rows and columns of the terminal, set before the process starts; 0 when
  // unknown (a detached container).
  std::uint16_t console_rows = 0;
  std::uint16_t console_columns = 0;
  // Empty: the host's name on the host network, else the first 12
  // characters of container_id.
  std::string hostname;
  // Extra mounts (volumes, /etc/hosts, /etc/resolv.conf, /etc/hostname). One
  // with the destination of a default mount replaces that mount.
  std::vector<Mount> mounts;
  // A network namespace path to join, kHostNetwork to share the host's, or
  // empty for a new namespace with only a loopback device.
  std::string network_namespace;
  std::string cgroups_path;  // e.g. "/berth/<id>" (cgroupfs form)
  bool read_only = false;
  // Volumes: with read_only, tmpfs on /tmp, /var/tmp and /run
  // (--read-only-tmpfs, true by default as in Podman).
  bool read_only_tmpfs = true;
  bool seccomp = true;  // false: --security-opt seccomp=unconfined
  bool cgroup_v2 = false;
  // Capability names with or without "CAP_", any case; "ALL" is accepted.
  std::vector<std::string> add_caps;
  std::vector<std::string> drop_caps;
  std::int64_t pids_limit = 2048;  // 0 or less: no limit (Podman's default is 2048)
  std::optional<HostLimits> host_limits;  // unset: read_host_limits()
  // Run by the runtime after it made the namespaces, before the process
  // starts ("createRuntime").
  std::vector<Hook> create_runtime_hooks;
  // --privileged, --security-opt, --device, cgroup limits, --ulimit,
  // --sysctl, --oom-score-adj and --shm-size (0: no size limit).
  SecuritySpec security;
  ResourceSpec resources;
  std::int64_t shm_size = 64 * 1024 * 1024;
  // User namespace: with user_namespace the container gets one, new with
  // uid_mappings and gid_mappings, or the one at user_namespace_path (the
  // mappings then describe it).
  bool user_namespace = false;
  std::string user_namespace_path;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  // Namespaces joined instead of created, by OCI type (pid, ipc, uts,
  // cgroup): a path such as /proc/PID/ns/ipc, or kHostNetwork for the
  // host's. A joined uts namespace keeps its host name.
  std::map<std::string, std::string> joined_namespaces;
};

// Builds config.json for input. Throws Error{kInvalidArgument} for an
// invalid input (no args, relative rootfs or cwd, unknown capability).
nlohmann::json build_spec(const SpecInput& input);

// Writes spec as BUNDLE/config.json atomically.
void write_spec(const std::string& bundle_dir, const nlohmann::json& spec);

// The default seccomp profile as config.json "linux.seccomp": syscalls not
// listed fail with ENOSYS, a list of dangerous ones fails with EPERM, and
// syscalls that need a capability are allowed only when that capability is
// in capabilities (names with "CAP_").
nlohmann::json default_seccomp_profile(const std::vector<std::string>& capabilities);

// Normalizes a capability name ("net_admin", "CAP_NET_ADMIN") to
// "CAP_NET_ADMIN", and "all" to "ALL". Throws Error{kInvalidArgument} for an
// unknown name.
std::string normalize_capability(std::string_view name);

// The capabilities a root container gets by default, as Podman 4/5 grants
// them ("CAP_CHOWN", ...).
const std::vector<std::string>& default_capabilities();

// The capabilities "ALL" and --privileged stand for: every capability the
// calling process's bounding set holds, because the runtime cannot grant
// one the host lacks.
std::vector<std::string> all_capabilities();

// The user a container process runs as, resolved from the image's files.
struct UserSpec {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additional_gids;  // groups that list the user
  std::string home = "/";
};

// Resolves user ("", "name", "uid", "uid:gid", "name:group", ...) against
// ROOTFS/etc/passwd and ROOTFS/etc/group, opened with openat2
// RESOLVE_IN_ROOT so symlinks in the image cannot lead outside it. An empty
// user is root. Numeric ids need no passwd entry. Throws Error{kNotFound}
// for an unknown user or group name.
UserSpec resolve_user(const std::string& rootfs, std::string_view user);

// The /etc/passwd and /etc/group lines that a numeric --user needs when the
// image lacks them, in Podman's form: "UID:*:UID:GID:container user:HOME:/bin/sh"
// (GID 0 unless --user names a group) and "GID:x:GID:USER", where the group
// is the user part when --user has no group. The texts are the image's files
// ("" when missing), so that callers can write extended copies.
struct MissingIdEntries {
  std::string passwd_text;
  std::string group_text;
  std::string passwd_line;  // "" when the image has the user or it is a name
  std::string group_line;   // "" when the image has the group or it is a name
};
MissingIdEntries missing_id_entries(const std::string& rootfs, std::string_view user,
                                    const std::string& home);

// Resolves --group-add values (group names or GIDs) against
// ROOTFS/etc/group. Throws Error{kNotFound} naming an unknown group.
std::vector<std::uint32_t> resolve_groups(const std::string& rootfs,
                                          const std::vector<std::string>& groups);

// Returns whether path names a directory in ROOTFS, resolved as resolve_user
// resolves its files.
bool directory_in_root(const std::string& rootfs, const std::string& path);

// Returns whether path names anything in ROOTFS, resolved as directory_in_root
// resolves it.
bool exists_in_root(const std::string& rootfs, const std::string& path);

}  // namespace berth::runtime
