// Spec steps for --privileged, --security-opt, --device, cgroup limits,
// --ulimit, --sysctl, --oom-score-adj and --shm-size.

#include "runtime/spec_resources.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.hpp"
#include "runtime/spec.hpp"

namespace berth::runtime {
namespace {

using nlohmann::json;

SpecInput basic_input() {
  SpecInput input;
  input.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  input.rootfs = "/var/lib/berth/rootfs";
  input.args = {"/bin/sh"};
  input.host_limits = HostLimits{1u << 30, 1u << 30};
  return input;
}

bool contains(const json& array, const std::string& value) {
  return std::find(array.begin(), array.end(), value) != array.end();
}

const json* find_rlimit(const json& spec, const std::string& type) {
  for (const auto& limit : spec["process"]["rlimits"]) {
    if (limit["type"] == type) return &limit;
  }
  return nullptr;
}

const json* find_mount(const json& spec, const std::string& destination) {
  for (const auto& mount : spec["mounts"]) {
    if (mount["destination"] == destination) return &mount;
  }
  return nullptr;
}

TEST(SpecResources, MemoryAndCpuLimitsOnV1) {
  SpecInput input = basic_input();
  input.resources.memory = 64 << 20;
  input.resources.memory_reservation = 32 << 20;
  input.resources.memory_swap = 128 << 20;
  input.resources.memory_swappiness = 10;
  input.resources.cpu_shares = 512;
  input.resources.cpu_period = 100000;
  input.resources.cpu_quota = 50000;
  input.resources.cpuset_cpus = "0";
  input.resources.cpuset_mems = "0";
  json spec = build_spec(input);
  const json& resources = spec["linux"]["resources"];
  EXPECT_EQ(64 << 20, resources["memory"]["limit"]);
  EXPECT_EQ(32 << 20, resources["memory"]["reservation"]);
  EXPECT_EQ(128 << 20, resources["memory"]["swap"]);
  EXPECT_EQ(10, resources["memory"]["swappiness"]);
  EXPECT_EQ(512, resources["cpu"]["shares"]);
  EXPECT_EQ(100000, resources["cpu"]["period"]);
  EXPECT_EQ(50000, resources["cpu"]["quota"]);
  EXPECT_EQ("0", resources["cpu"]["cpus"]);
  EXPECT_EQ("0", resources["cpu"]["mems"]);
  EXPECT_EQ(2048, resources["pids"]["limit"]);
}

TEST(SpecResources, V2DropsSwappinessKeepsTheRest) {
  SpecInput input = basic_input();
  input.cgroup_v2 = true;
  input.resources.memory = 1 << 30;
  input.resources.memory_swap = -1;
  input.resources.memory_swappiness = 60;
  input.resources.blkio_weight = 300;
  json spec = build_spec(input);
  const json& memory = spec["linux"]["resources"]["memory"];
  EXPECT_EQ(1 << 30, memory["limit"]);
  EXPECT_EQ(-1, memory["swap"]);
  EXPECT_FALSE(memory.contains("swappiness"));
  EXPECT_EQ(300, spec["linux"]["resources"]["blockIO"]["weight"]);
}

TEST(SpecResources, NoLimitsMeansNoResourceEntries) {
  json spec = build_spec(basic_input());
  EXPECT_FALSE(spec["linux"]["resources"].contains("memory"));
  EXPECT_FALSE(spec["linux"]["resources"].contains("cpu"));
  EXPECT_FALSE(spec["linux"].contains("sysctl"));
  EXPECT_FALSE(spec["process"].contains("oomScoreAdj"));
  EXPECT_FALSE(spec["process"]["noNewPrivileges"].get<bool>());
}

TEST(SpecResources, SysctlOomScoreAndNoNewPrivileges) {
  SpecInput input = basic_input();
  input.resources.sysctls = {{"net.ipv4.ip_forward", "1"}, {"kernel.shmmax", "1000"}};
  input.resources.oom_score_adj = -500;
  input.security.no_new_privileges = true;
  json spec = build_spec(input);
  EXPECT_EQ("1", spec["linux"]["sysctl"]["net.ipv4.ip_forward"]);
  EXPECT_EQ("1000", spec["linux"]["sysctl"]["kernel.shmmax"]);
  EXPECT_EQ(-500, spec["process"]["oomScoreAdj"]);
  EXPECT_TRUE(spec["process"]["noNewPrivileges"].get<bool>());
}

TEST(SpecResources, UlimitReplacesDefault) {
  SpecInput input = basic_input();
  input.resources.rlimits = {{"RLIMIT_NOFILE", 100, 200}, {"RLIMIT_CORE", 0, 0}};
  json spec = build_spec(input);
  const json* nofile = find_rlimit(spec, "RLIMIT_NOFILE");
  ASSERT_NE(nullptr, nofile);
  EXPECT_EQ(100, (*nofile)["soft"]);
  EXPECT_EQ(200, (*nofile)["hard"]);
  ASSERT_NE(nullptr, find_rlimit(spec, "RLIMIT_CORE"));
  ASSERT_NE(nullptr, find_rlimit(spec, "RLIMIT_NPROC"));
  int nofile_entries = 0;
  for (const auto& limit : spec["process"]["rlimits"]) {
    nofile_entries += limit["type"] == "RLIMIT_NOFILE" ? 1 : 0;
  }
  EXPECT_EQ(1, nofile_entries);
}

TEST(SpecResources, DefaultUlimitsClampedToHost) {
  SpecInput input = basic_input();
  input.host_limits = HostLimits{20000, 5000};
  input.resources.default_rlimits = {{"RLIMIT_NOFILE", 30000, 40000},
                                     {"RLIMIT_NPROC", 100, 200}};
  json spec = build_spec(input);
  const json* nofile = find_rlimit(spec, "RLIMIT_NOFILE");
  ASSERT_NE(nullptr, nofile);
  EXPECT_EQ(20000, (*nofile)["hard"]);
  EXPECT_EQ(20000, (*nofile)["soft"]);
  const json* nproc = find_rlimit(spec, "RLIMIT_NPROC");
  ASSERT_NE(nullptr, nproc);
  EXPECT_EQ(100, (*nproc)["soft"]);
  EXPECT_EQ(200, (*nproc)["hard"]);
}

TEST(SpecResources, ExplicitUlimitNotClamped) {
  SpecInput input = basic_input();
  input.host_limits = HostLimits{20000, 5000};
  input.resources.rlimits = {{"RLIMIT_NOFILE", 50000, 50000}};
  json spec = build_spec(input);
  EXPECT_EQ(50000, (*find_rlimit(spec, "RLIMIT_NOFILE"))["hard"]);
}

TEST(SpecResources, ShmSize) {
  SpecInput input = basic_input();
  input.shm_size = 32 << 20;
  json spec = build_spec(input);
  const json* shm = find_mount(spec, "/dev/shm");
  ASSERT_NE(nullptr, shm);
  EXPECT_TRUE(contains((*shm)["options"], "size=32768k"));
  input.shm_size = 0;
  spec = build_spec(input);
  for (const auto& option : (*find_mount(spec, "/dev/shm"))["options"]) {
    EXPECT_FALSE(option.get<std::string>().starts_with("size=")) << option;
  }
}

TEST(SpecResources, PrivilegedGivesEverything) {
  SpecInput input = basic_input();
  input.security.privileged = true;
  input.security.devices = {{"/dev/sda", 'b', 8, 0, 0660, 0, 6, "rwm"}};
  json spec = build_spec(input);
  const json& caps = spec["process"]["capabilities"];
  EXPECT_TRUE(contains(caps["bounding"], "CAP_SYS_ADMIN"));
  EXPECT_TRUE(contains(caps["effective"], "CAP_NET_ADMIN"));
  EXPECT_FALSE(spec["linux"].contains("seccomp"));
  EXPECT_TRUE(spec["linux"]["maskedPaths"].empty());
  EXPECT_TRUE(spec["linux"]["readonlyPaths"].empty());
  EXPECT_TRUE(contains((*find_mount(spec, "/sys"))["options"], "rw"));
  const json& allowed = spec["linux"]["resources"]["devices"];
  EXPECT_EQ(true, allowed.back()["allow"]);
  EXPECT_FALSE(allowed.back().contains("major")) << "privileged allows every device";
  ASSERT_EQ(1u, spec["linux"]["devices"].size());
  EXPECT_EQ("b", spec["linux"]["devices"][0]["type"]);
}

TEST(SpecResources, DeviceAllowedInCgroup) {
  SpecInput input = basic_input();
  input.security.devices = {{"/dev/mynull", 'c', 1, 3, 0666, 0, 0, "r"}};
  json spec = build_spec(input);
  const json& node = spec["linux"]["devices"][0];
  EXPECT_EQ("/dev/mynull", node["path"]);
  EXPECT_EQ(1, node["major"]);
  EXPECT_EQ(3, node["minor"]);
  const json& allowed = spec["linux"]["resources"]["devices"];
  ASSERT_EQ(2u, allowed.size());
  EXPECT_EQ(false, allowed[0]["allow"]);
  EXPECT_EQ(true, allowed[1]["allow"]);
  EXPECT_EQ("r", allowed[1]["access"]);
  EXPECT_EQ(1, allowed[1]["major"]);
}

TEST(SpecResources, MaskAndUnmask) {
  SpecInput input = basic_input();
  input.security.mask = {"/proc/cpuinfo"};
  input.security.unmask = {"/proc/keys", "/sys/*"};
  json spec = build_spec(input);
  const json& masked = spec["linux"]["maskedPaths"];
  EXPECT_TRUE(contains(masked, "/proc/cpuinfo"));
  EXPECT_FALSE(contains(masked, "/proc/keys"));
  EXPECT_FALSE(contains(masked, "/sys/firmware")) << "glob match";
  EXPECT_TRUE(contains(masked, "/proc/kcore"));
  EXPECT_TRUE(contains(spec["linux"]["readonlyPaths"], "/proc/sys"));
}

TEST(SpecResources, UnmaskAll) {
  SpecInput input = basic_input();
  input.security.unmask = {"ALL"};
  json spec = build_spec(input);
  EXPECT_TRUE(spec["linux"]["maskedPaths"].empty());
  EXPECT_TRUE(spec["linux"]["readonlyPaths"].empty());
}

TEST(SpecResources, CustomSeccompProfileConverted) {
  SpecInput input = basic_input();
  input.security.seccomp_profile = json::parse(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
                {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_BOOT"]}},
      {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_BOOT"]}}
    ]})");
  json spec = build_spec(input);
  const json& seccomp = spec["linux"]["seccomp"];
  EXPECT_EQ("SCMP_ACT_ERRNO", seccomp["defaultAction"]);
  EXPECT_EQ(1, seccomp["defaultErrnoRet"]);
  ASSERT_EQ(2u, seccomp["syscalls"].size()) << seccomp.dump();
  EXPECT_EQ("read", seccomp["syscalls"][0]["names"][0]);
  EXPECT_EQ("chown", seccomp["syscalls"][1]["names"][0]);
#if defined(__x86_64__)
  EXPECT_EQ(json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}), seccomp["architectures"]);
#endif
}

TEST(SpecResources, SeccompProfileNeedsDefaultAction) {
  EXPECT_THROW(convert_seccomp_profile(json::object(), {}), Error);
}

TEST(SpecResources, CapAddAndDrop) {
  SpecInput input = basic_input();
  input.add_caps = {"CAP_NET_ADMIN"};
  input.drop_caps = {"CAP_CHOWN"};
  json spec = build_spec(input);
  EXPECT_TRUE(contains(spec["process"]["capabilities"]["bounding"], "CAP_NET_ADMIN"));
  EXPECT_FALSE(contains(spec["process"]["capabilities"]["bounding"], "CAP_CHOWN"));
}

TEST(SpecResources, NormalizeCapabilityNames) {
  EXPECT_EQ("CAP_NET_ADMIN", normalize_capability("net_admin"));
  EXPECT_EQ("CAP_NET_ADMIN", normalize_capability("Cap_Net_Admin"));
  EXPECT_EQ("ALL", normalize_capability("all"));
  EXPECT_THROW(normalize_capability("foo"), Error);
}

TEST(SpecResources, DeviceFromPathReadsNode) {
  Device device = device_from_path("/dev/null", "/dev/x", "rw");
  EXPECT_EQ('c', device.type);
  EXPECT_EQ(1, device.major);
  EXPECT_EQ(3, device.minor);
  EXPECT_EQ("/dev/x", device.path);
  EXPECT_THROW(device_from_path("/dev/does-not-exist", "/dev/x", "rw"), Error);
  EXPECT_THROW(device_from_path("/etc/hostname", "/dev/x", "rw"), Error);
}

}  // namespace
}  // namespace berth::runtime
