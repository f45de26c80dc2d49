#include "runtime/spec.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::runtime {
namespace {

using nlohmann::json;

SpecInput basic_input() {
  SpecInput input;
  input.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  input.rootfs = "/var/lib/berth/rootfs";
  input.args = {"/bin/sh", "-c", "echo hi"};
  input.env = {"FOO=bar"};
  input.host_limits = HostLimits{1u << 30, 1u << 30};
  return input;
}

bool contains(const json& array, const std::string& value) {
  return std::find(array.begin(), array.end(), value) != array.end();
}

std::vector<std::string> namespace_types(const json& spec) {
  std::vector<std::string> types;
  for (const auto& ns : spec["linux"]["namespaces"]) types.push_back(ns["type"]);
  return types;
}

const json* find_mount(const json& spec, const std::string& destination) {
  for (const auto& mount : spec["mounts"]) {
    if (mount["destination"] == destination) return &mount;
  }
  return nullptr;
}

TEST(Spec, RequiredFields) {
  json spec = build_spec(basic_input());
  EXPECT_EQ(spec["ociVersion"], "1.0.2");
  EXPECT_EQ(spec["root"]["path"], "/var/lib/berth/rootfs");
  EXPECT_EQ(spec["root"]["readonly"], false);
  EXPECT_EQ(spec["process"]["args"], json({"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(spec["process"]["cwd"], "/");
  EXPECT_EQ(spec["process"]["user"]["uid"], 0);
  EXPECT_EQ(spec["process"]["user"]["gid"], 0);
  EXPECT_EQ(spec["process"]["terminal"], false);
  EXPECT_EQ(spec["process"]["noNewPrivileges"], false);
  EXPECT_FALSE(spec["process"].contains("oomScoreAdj"));
  EXPECT_EQ(spec["hostname"], "0123456789ab");
  EXPECT_TRUE(spec["mounts"].is_array());
  EXPECT_EQ(spec["annotations"]["io.container.manager"], "berth");
}

TEST(Spec, NoHooksByDefault) {
  EXPECT_FALSE(build_spec(basic_input()).contains("hooks"));
}

TEST(Spec, CreateRuntimeHooks) {
  SpecInput input = basic_input();
  input.create_runtime_hooks = {{"/usr/bin/berth-monitor",
                                 {"berth-monitor", "--wait-for-network", "/run/x/gate"}, 60}};
  json hooks = build_spec(input)["hooks"];
  ASSERT_EQ(hooks["createRuntime"].size(), 1u);
  EXPECT_EQ(hooks["createRuntime"][0]["path"], "/usr/bin/berth-monitor");
  EXPECT_EQ(hooks["createRuntime"][0]["args"][1], "--wait-for-network");
  EXPECT_EQ(hooks["createRuntime"][0]["timeout"], 60);
  EXPECT_FALSE(hooks.contains("prestart"));
}

TEST(Spec, RelativeHookPathRejected) {
  SpecInput input = basic_input();
  input.create_runtime_hooks = {{"berth-monitor", {"berth-monitor"}, 0}};
  try {
    build_spec(input);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("\"berth-monitor\" must be absolute"), std::string::npos)
        << e.what();
  }
}

TEST(Spec, EnvDefaults) {
  SpecInput input = basic_input();
  input.home = "/home/app";
  input.terminal = true;
  json env = build_spec(input)["process"]["env"];
  EXPECT_TRUE(contains(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  EXPECT_TRUE(contains(env, "FOO=bar"));
  EXPECT_TRUE(contains(env, "HOME=/home/app"));
  EXPECT_TRUE(contains(env, "TERM=xterm"));
}

TEST(Spec, EnvKeepsGivenValues) {
  SpecInput input = basic_input();
  input.env = {"PATH=/custom", "HOME=/h", "TERM=vt100"};
  input.terminal = true;
  json env = build_spec(input)["process"]["env"];
  EXPECT_EQ(env, json({"PATH=/custom", "HOME=/h", "TERM=vt100"}));
}

TEST(Spec, RootCapabilities) {
  json caps = build_spec(basic_input())["process"]["capabilities"];
  std::vector<std::string> expected = {"CAP_CHOWN",  "CAP_DAC_OVERRIDE",     "CAP_FOWNER",
                                       "CAP_FSETID", "CAP_KILL",             "CAP_NET_BIND_SERVICE",
                                       "CAP_SETFCAP", "CAP_SETGID",          "CAP_SETPCAP",
                                       "CAP_SETUID", "CAP_SYS_CHROOT"};
  EXPECT_EQ(caps["bounding"], json(expected));
  EXPECT_EQ(caps["effective"], json(expected));
  EXPECT_EQ(caps["permitted"], json(expected));
  EXPECT_TRUE(caps["ambient"].empty());
  EXPECT_TRUE(caps["inheritable"].empty());
}

TEST(Spec, NonRootCapabilitiesCleared) {
  SpecInput input = basic_input();
  input.uid = 1000;
  input.gid = 1000;
  json caps = build_spec(input)["process"]["capabilities"];
  EXPECT_EQ(caps["bounding"].size(), 11u);
  EXPECT_TRUE(caps["effective"].empty());
  EXPECT_TRUE(caps["permitted"].empty());
  EXPECT_TRUE(caps["ambient"].empty());
}

TEST(Spec, NonRootAddedCapabilityIsAmbient) {
  SpecInput input = basic_input();
  input.uid = 1000;
  input.add_caps = {"net_admin"};
  json caps = build_spec(input)["process"]["capabilities"];
  EXPECT_TRUE(contains(caps["bounding"], "CAP_NET_ADMIN"));
  EXPECT_EQ(caps["effective"], json({"CAP_NET_ADMIN"}));
  EXPECT_EQ(caps["ambient"], json({"CAP_NET_ADMIN"}));
}

TEST(Spec, CapAddAndDrop) {
  SpecInput input = basic_input();
  input.add_caps = {"CAP_SYS_ADMIN"};
  input.drop_caps = {"chown", "KILL"};
  json bounding = build_spec(input)["process"]["capabilities"]["bounding"];
  EXPECT_TRUE(contains(bounding, "CAP_SYS_ADMIN"));
  EXPECT_FALSE(contains(bounding, "CAP_CHOWN"));
  EXPECT_FALSE(contains(bounding, "CAP_KILL"));
}

TEST(Spec, CapDropAllThenAdd) {
  SpecInput input = basic_input();
  input.drop_caps = {"all"};
  input.add_caps = {"NET_RAW"};
  json bounding = build_spec(input)["process"]["capabilities"]["bounding"];
  EXPECT_EQ(bounding, json({"CAP_NET_RAW"}));
}

TEST(Spec, UnknownCapabilityRejected) {
  SpecInput input = basic_input();
  input.add_caps = {"NOSUCH"};
  try {
    build_spec(input);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("NOSUCH"), std::string::npos);
  }
}

TEST(Spec, NamespacesCgroupV1) {
  json spec = build_spec(basic_input());
  EXPECT_EQ(namespace_types(spec),
            (std::vector<std::string>{"pid", "network", "ipc", "uts", "mount"}));
}

TEST(Spec, NamespacesCgroupV2) {
  SpecInput input = basic_input();
  input.cgroup_v2 = true;
  json spec = build_spec(input);
  EXPECT_EQ(namespace_types(spec),
            (std::vector<std::string>{"pid", "network", "ipc", "uts", "mount", "cgroup"}));
}

TEST(Spec, NetworkNamespacePath) {
  SpecInput input = basic_input();
  input.network_namespace = "/run/netns/berth-1";
  json spec = build_spec(input);
  bool found = false;
  for (const auto& ns : spec["linux"]["namespaces"]) {
    if (ns["type"] == "network") {
      EXPECT_EQ(ns["path"], "/run/netns/berth-1");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(Spec, JoinedNamespacesByPath) {
  SpecInput input = basic_input();
  input.cgroup_v2 = true;
  input.joined_namespaces = {{"ipc", "/proc/42/ns/ipc"}, {"uts", "/proc/42/ns/uts"},
                             {"pid", "host"}};
  json spec = build_spec(input);
  EXPECT_EQ(namespace_types(spec),
            (std::vector<std::string>{"network", "ipc", "uts", "mount", "cgroup"}));
  for (const auto& ns : spec["linux"]["namespaces"]) {
    if (ns["type"] == "ipc") EXPECT_EQ(ns["path"], "/proc/42/ns/ipc");
    if (ns["type"] == "uts") EXPECT_EQ(ns["path"], "/proc/42/ns/uts");
    if (ns["type"] == "cgroup") EXPECT_FALSE(ns.contains("path"));
  }
  // The joined UTS namespace keeps the host name its owner set.
  EXPECT_FALSE(spec.contains("hostname"));
}

TEST(Spec, NewNetworkNamespaceHasNoPath) {
  json spec = build_spec(basic_input());
  for (const auto& ns : spec["linux"]["namespaces"]) EXPECT_FALSE(ns.contains("path"));
}

TEST(Spec, HostNetworkUsesHostName) {
  SpecInput input = basic_input();
  input.network_namespace = "host";
  json spec = build_spec(input);
  auto types = namespace_types(spec);
  EXPECT_EQ(std::count(types.begin(), types.end(), "network"), 0);
  EXPECT_EQ(std::count(types.begin(), types.end(), "uts"), 1);
  char host_name[256] = {};
  ASSERT_EQ(::gethostname(host_name, sizeof host_name - 1), 0);
  EXPECT_EQ(spec["hostname"], host_name);
}

TEST(Spec, HostNetworkWithHostname) {
  SpecInput input = basic_input();
  input.network_namespace = "host";
  input.hostname = "web";
  json spec = build_spec(input);
  auto types = namespace_types(spec);
  EXPECT_EQ(std::count(types.begin(), types.end(), "uts"), 1);
  EXPECT_EQ(spec["hostname"], "web");
}

TEST(Spec, TerminalFlag) {
  SpecInput input = basic_input();
  input.terminal = true;
  EXPECT_EQ(build_spec(input)["process"]["terminal"], true);
}

TEST(Spec, DefaultMounts) {
  json spec = build_spec(basic_input());
  for (const char* destination :
       {"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"}) {
    EXPECT_NE(find_mount(spec, destination), nullptr) << destination;
  }
  const json* pts = find_mount(spec, "/dev/pts");
  ASSERT_NE(pts, nullptr);
  EXPECT_TRUE(contains((*pts)["options"], "newinstance"));
  EXPECT_TRUE(contains((*pts)["options"], "ptmxmode=0666"));
  EXPECT_TRUE(contains((*pts)["options"], "gid=5"));
  const json* shm = find_mount(spec, "/dev/shm");
  ASSERT_NE(shm, nullptr);
  EXPECT_TRUE(contains((*shm)["options"], "size=65536k"));
  const json* sys = find_mount(spec, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_TRUE(contains((*sys)["options"], "ro"));
  const json* cgroup = find_mount(spec, "/sys/fs/cgroup");
  ASSERT_NE(cgroup, nullptr);
  EXPECT_EQ((*cgroup)["type"], "cgroup");
  EXPECT_TRUE(contains((*cgroup)["options"], "ro"));
}

TEST(Spec, ExtraMountReplacesDefault) {
  SpecInput input = basic_input();
  input.mounts = {{"/etc/hosts", "/run/berth/hosts", "bind", {"rbind", "ro"}},
                  {"/dev/shm", "/host/shm", "bind", {"rbind"}}};
  json spec = build_spec(input);
  const json* hosts = find_mount(spec, "/etc/hosts");
  ASSERT_NE(hosts, nullptr);
  EXPECT_EQ((*hosts)["source"], "/run/berth/hosts");
  int shm_count = 0;
  for (const auto& mount : spec["mounts"]) shm_count += mount["destination"] == "/dev/shm";
  EXPECT_EQ(shm_count, 1);
  EXPECT_EQ((*find_mount(spec, "/dev/shm"))["source"], "/host/shm");
}

TEST(Spec, ReadOnlyRootGetsTmpfs) {
  SpecInput input = basic_input();
  input.read_only = true;
  json spec = build_spec(input);
  EXPECT_EQ(spec["root"]["readonly"], true);
  EXPECT_NE(find_mount(spec, "/tmp"), nullptr);
  EXPECT_NE(find_mount(spec, "/run"), nullptr);
}

TEST(Spec, MaskedAndReadonlyPaths) {
  json linux = build_spec(basic_input())["linux"];
  for (const char* path : {"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                           "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                           "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"}) {
    EXPECT_TRUE(contains(linux["maskedPaths"], path)) << path;
  }
  for (const char* path : {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                           "/proc/sysrq-trigger"}) {
    EXPECT_TRUE(contains(linux["readonlyPaths"], path)) << path;
  }
}

TEST(Spec, RlimitsDefault) {
  json rlimits = build_spec(basic_input())["process"]["rlimits"];
  ASSERT_EQ(rlimits.size(), 2u);
  EXPECT_EQ(rlimits[0]["type"], "RLIMIT_NOFILE");
  EXPECT_EQ(rlimits[0]["hard"], 1048576);
  EXPECT_EQ(rlimits[0]["soft"], 1048576);
  EXPECT_EQ(rlimits[1]["type"], "RLIMIT_NPROC");
  EXPECT_EQ(rlimits[1]["hard"], 4194304);
}

TEST(Spec, RlimitsClampedToHostHardLimit) {
  SpecInput input = basic_input();
  input.host_limits = HostLimits{20000, 96368};
  json rlimits = build_spec(input)["process"]["rlimits"];
  EXPECT_EQ(rlimits[0]["hard"], 20000);
  EXPECT_EQ(rlimits[0]["soft"], 20000);
  EXPECT_EQ(rlimits[1]["hard"], 96368);
  EXPECT_EQ(rlimits[1]["soft"], 96368);
}

TEST(Spec, RlimitsReadFromHost) {
  SpecInput input = basic_input();
  input.host_limits.reset();
  HostLimits host = read_host_limits();
  json rlimits = build_spec(input)["process"]["rlimits"];
  EXPECT_LE(rlimits[0]["hard"].get<std::uint64_t>(), host.nofile_hard);
  EXPECT_LE(rlimits[1]["hard"].get<std::uint64_t>(), host.nproc_hard);
}

TEST(Spec, SeccompProfile) {
  json seccomp = build_spec(basic_input())["linux"]["seccomp"];
  EXPECT_EQ(seccomp["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(seccomp["defaultErrnoRet"], 38);
  std::vector<std::string> allowed, denied;
  for (const auto& rule : seccomp["syscalls"]) {
    if (rule["action"] == "SCMP_ACT_ALLOW" && !rule.contains("args")) {
      for (const auto& name : rule["names"]) allowed.push_back(name);
    }
    if (rule["action"] == "SCMP_ACT_ERRNO") {
      EXPECT_EQ(rule["errnoRet"], 1);
      for (const auto& name : rule["names"]) denied.push_back(name);
    }
  }
  for (const char* name : {"read", "write", "execve", "openat", "chroot"}) {
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << name;
  }
  for (const char* name : {"kexec_load", "open_by_handle_at", "init_module", "mount", "bpf"}) {
    EXPECT_NE(std::find(denied.begin(), denied.end(), name), denied.end()) << name;
    EXPECT_EQ(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << name;
  }
}

TEST(Spec, SeccompFollowsCapabilities) {
  SpecInput input = basic_input();
  input.add_caps = {"SYS_ADMIN"};
  json seccomp = build_spec(input)["linux"]["seccomp"];
  const json& allowed = seccomp["syscalls"][0]["names"];
  EXPECT_TRUE(contains(allowed, "mount"));
  EXPECT_TRUE(contains(allowed, "unshare"));
  for (const auto& rule : seccomp["syscalls"]) {
    if (rule["action"] == "SCMP_ACT_ERRNO") {
      EXPECT_FALSE(contains(rule["names"], "mount"));
    }
  }
}

TEST(Spec, CgroupsAndDevices) {
  SpecInput input = basic_input();
  input.cgroups_path = "/berth/abc";
  json linux = build_spec(input)["linux"];
  EXPECT_EQ(linux["cgroupsPath"], "/berth/abc");
  EXPECT_EQ(linux["resources"]["devices"][0]["allow"], false);
  EXPECT_EQ(linux["resources"]["devices"][0]["access"], "rwm");
  EXPECT_EQ(linux["resources"]["pids"]["limit"], 2048);
}

TEST(Spec, UserAndGroups) {
  SpecInput input = basic_input();
  input.uid = 33;
  input.gid = 44;
  input.additional_gids = {5, 6};
  json user = build_spec(input)["process"]["user"];
  EXPECT_EQ(user["uid"], 33);
  EXPECT_EQ(user["gid"], 44);
  EXPECT_EQ(user["additionalGids"], json({5, 6}));
}

TEST(Spec, InvalidInputRejected) {
  SpecInput no_args = basic_input();
  no_args.args.clear();
  EXPECT_THROW(build_spec(no_args), Error);
  SpecInput relative_root = basic_input();
  relative_root.rootfs = "rootfs";
  EXPECT_THROW(build_spec(relative_root), Error);
  SpecInput relative_cwd = basic_input();
  relative_cwd.cwd = "work";
  EXPECT_THROW(build_spec(relative_cwd), Error);
}

// A root file system in a temporary directory with etc/passwd and etc/group.
class ResolveUser : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/berth-user-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    root_ = dir_template;
    os::make_dirs(root_ + "/etc");
    os::write_file_atomic(root_ + "/etc/passwd",
                          "root:x:0:0:root:/root:/bin/sh\n"
                          "# a comment\n"
                          "app:x:1000:1001:App:/home/app:/bin/sh\n"
                          "nohome:x:1002:1002::/:/bin/sh\n");
    os::write_file_atomic(root_ + "/etc/group",
                          "root:x:0:\n"
                          "wheel:x:10:app,other\n"
                          "app:x:1001:\n"
                          "audio:x:29:app\n"
                          "staff:x:50:\n");
  }
  void TearDown() override { os::remove_all(root_); }

  std::string root_;
};

TEST_F(ResolveUser, DirectoryInRootStaysInside) {
  os::make_dirs(root_ + "/srv/data");
  ASSERT_EQ(::symlink("/srv", (root_ + "/link").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../..", (root_ + "/up").c_str()), 0);
  EXPECT_TRUE(directory_in_root(root_, "/"));
  EXPECT_TRUE(directory_in_root(root_, "/srv/data"));
  EXPECT_TRUE(directory_in_root(root_, "/link/data"));  // absolute link, resolved in the root
  EXPECT_FALSE(directory_in_root(root_, "/missing"));
  EXPECT_FALSE(directory_in_root(root_, "/etc/passwd"));  // a file, not a directory
  // "/up/tmp" would be the host's /tmp if the link escaped.
  EXPECT_FALSE(directory_in_root(root_, "/up/tmp"));
}

TEST_F(ResolveUser, EmptyIsRoot) {
  UserSpec user = resolve_user(root_, "");
  EXPECT_EQ(user.uid, 0u);
  EXPECT_EQ(user.gid, 0u);
  EXPECT_EQ(user.home, "/root");
}

TEST_F(ResolveUser, Name) {
  UserSpec user = resolve_user(root_, "app");
  EXPECT_EQ(user.uid, 1000u);
  EXPECT_EQ(user.gid, 1001u);
  EXPECT_EQ(user.home, "/home/app");
  EXPECT_EQ(user.additional_gids, (std::vector<std::uint32_t>{10, 29}));
}

TEST_F(ResolveUser, NumericKnown) {
  UserSpec user = resolve_user(root_, "1000");
  EXPECT_EQ(user.uid, 1000u);
  EXPECT_EQ(user.gid, 1001u);
  EXPECT_EQ(user.home, "/home/app");
}

TEST_F(ResolveUser, NumericUnknown) {
  UserSpec user = resolve_user(root_, "4242");
  EXPECT_EQ(user.uid, 4242u);
  EXPECT_EQ(user.gid, 0u);
  EXPECT_EQ(user.home, "/");
  EXPECT_TRUE(user.additional_gids.empty());
}

TEST_F(ResolveUser, UidGid) {
  UserSpec user = resolve_user(root_, "4242:77");
  EXPECT_EQ(user.uid, 4242u);
  EXPECT_EQ(user.gid, 77u);
}

TEST_F(ResolveUser, NameGroup) {
  UserSpec user = resolve_user(root_, "app:staff");
  EXPECT_EQ(user.uid, 1000u);
  EXPECT_EQ(user.gid, 50u);
}

TEST_F(ResolveUser, UnknownUser) {
  try {
    resolve_user(root_, "nosuch");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_STREQ(e.what(), "unable to find user nosuch: no matching entries in passwd file");
  }
}

TEST_F(ResolveUser, UnknownGroup) {
  try {
    resolve_user(root_, "app:nosuch");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_STREQ(e.what(), "unable to find group nosuch: no matching entries in group file");
  }
}

TEST_F(ResolveUser, MissingPasswdFileNumeric) {
  os::remove_all(root_ + "/etc");
  UserSpec user = resolve_user(root_, "123:456");
  EXPECT_EQ(user.uid, 123u);
  EXPECT_EQ(user.gid, 456u);
}

TEST_F(ResolveUser, MissingPasswdFileName) {
  os::remove_all(root_ + "/etc");
  EXPECT_THROW(resolve_user(root_, "app"), Error);
}

TEST_F(ResolveUser, SymlinkStaysInsideRoot) {
  // An absolute symlink must resolve inside the root, not on the host.
  os::remove_all(root_ + "/etc/passwd");
  os::make_dirs(root_ + "/private");
  os::write_file_atomic(root_ + "/private/passwd", "inside:x:777:777::/in:/bin/sh\n");
  ASSERT_EQ(::symlink("/private/passwd", (root_ + "/etc/passwd").c_str()), 0);
  UserSpec user = resolve_user(root_, "inside");
  EXPECT_EQ(user.uid, 777u);
  EXPECT_THROW(resolve_user(root_, "root"), Error);
}

}  // namespace
}  // namespace berth::runtime
