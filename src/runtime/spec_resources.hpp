#pragma once

// The parts of the OCI spec that --privileged, --security-opt, --device,
// the cgroup limits, --ulimit, --sysctl and --oom-score-adj set. build_spec
// calls these from its pipeline steps.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::runtime {

// A device node the runtime creates in the container's /dev and allows in
// its device cgroup.
struct Device {
  std::string path;  // inside the container
  char type = 'c';   // 'c' or 'b'
  std::int64_t major = 0;
  std::int64_t minor = 0;
  std::uint32_t file_mode = 0666;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string access = "rwm";  // what the device cgroup allows
};

// A process rlimit with its OCI name ("RLIMIT_NOFILE").
struct Rlimit {
  std::string type;
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

struct SecuritySpec {
  // All capabilities, every host device, no seccomp filter and no masked or
  // read-only /proc and /sys paths, as --privileged gives.
  bool privileged = false;
  bool no_new_privileges = false;
  // A seccomp profile in Podman's (Docker's) or the OCI format; unset: the
  // default profile. SpecInput::seccomp = false turns either off.
  std::optional<nlohmann::json> seccomp_profile;
  std::vector<std::string> mask;    // added to maskedPaths
  std::vector<std::string> unmask;  // removed from maskedPaths and readonlyPaths; "ALL"
  std::vector<Device> devices;
};

struct ResourceSpec {
  std::optional<std::int64_t> memory;
  std::optional<std::int64_t> memory_reservation;
  std::optional<std::int64_t> memory_swap;  // memory plus swap, -1 unlimited
  std::optional<std::uint64_t> memory_swappiness;
  std::optional<std::uint64_t> cpu_shares;
  std::optional<std::uint64_t> cpu_period;
  std::optional<std::int64_t> cpu_quota;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  std::optional<std::uint16_t> blkio_weight;
  // Replace the built-in default rlimit of the same type (RLIMIT_NOFILE,
  // RLIMIT_NPROC). default_rlimits come from containers.conf and are lowered
  // to the host's hard limits; rlimits come from --ulimit and are kept.
  std::vector<Rlimit> default_rlimits;
  std::vector<Rlimit> rlimits;
  std::map<std::string, std::string> sysctls;
  std::optional<int> oom_score_adj;
};

// Fills linux.resources memory, cpu and blockIO from resources.
void apply_resource_limits(const ResourceSpec& resources, bool cgroup_v2, nlohmann::json& spec);

// Adds devices to linux.devices and allows them in linux.resources.devices;
// with privileged, allows every device.
void apply_device_access(const SecuritySpec& security, nlohmann::json& spec);

// Applies mask and unmask to linux.maskedPaths and linux.readonlyPaths.
void apply_path_masks(const SecuritySpec& security, nlohmann::json& spec);

// Converts a seccomp profile to config.json "linux.seccomp". From a profile
// in Podman's format ("archMap", rules with "includes" and "excludes") it
// keeps the host's architectures and the rules whose capability and
// architecture conditions hold. A profile in the OCI format passes as is.
// Throws Error{kInvalidArgument} for a profile without "defaultAction".
nlohmann::json convert_seccomp_profile(const nlohmann::json& profile,
                                       const std::vector<std::string>& capabilities);

// Reads every character and block device under /dev (not /dev/pts) as a
// Device with the same path, for --privileged.
std::vector<Device> host_devices();

// Reads the device node at host_path (following symlinks) as a Device at
// container_path. Throws Error{kNotFound} when it is missing and
// Error{kInvalidArgument} when it is no device node.
Device device_from_path(const std::string& host_path, const std::string& container_path,
                        const std::string& access);

}  // namespace berth::runtime
