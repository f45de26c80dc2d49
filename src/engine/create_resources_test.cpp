#include "engine/create_resources.hpp"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::engine {
namespace {

TEST(ParseSize, SuffixesAreBinary) {
  EXPECT_EQ(512, parse_size("--memory", "512"));
  EXPECT_EQ(512, parse_size("--memory", "512b"));
  EXPECT_EQ(2048, parse_size("--memory", "2k"));
  EXPECT_EQ(64LL << 20, parse_size("--memory", "64m"));
  EXPECT_EQ(64LL << 20, parse_size("--memory", "64MB"));
  EXPECT_EQ(64LL << 20, parse_size("--memory", "64MiB"));
  EXPECT_EQ(1LL << 30, parse_size("--memory", "1g"));
  EXPECT_EQ(3LL << 29, parse_size("--memory", "1.5g"));
}

TEST(ParseSize, InvalidNamesValue) {
  try {
    parse_size("--memory", "abc");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::kInvalidArgument, e.code());
    EXPECT_NE(std::string(e.what()).find("\"abc\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--memory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_size("--shm-size", "1x"), Error);
  EXPECT_THROW(parse_size("--shm-size", "-1"), Error);
  EXPECT_THROW(parse_size("--shm-size", ""), Error);
}

TEST(ParseUlimit, SoftAndHard) {
  auto ulimit = parse_ulimit("nofile=1024:2048");
  EXPECT_EQ("nofile", ulimit.name);
  EXPECT_EQ(1024u, ulimit.soft);
  EXPECT_EQ(2048u, ulimit.hard);
  ulimit = parse_ulimit("nproc=50");
  EXPECT_EQ(50u, ulimit.soft);
  EXPECT_EQ(50u, ulimit.hard);
  ulimit = parse_ulimit("core=-1");
  EXPECT_EQ(RLIM_INFINITY, ulimit.hard);
  ulimit = parse_ulimit("memlock=1:unlimited");
  EXPECT_EQ(1u, ulimit.soft);
  EXPECT_EQ(RLIM_INFINITY, ulimit.hard);
}

TEST(ParseUlimit, Rejects) {
  EXPECT_THROW(parse_ulimit("foo=1"), Error);
  EXPECT_THROW(parse_ulimit("nofile"), Error);
  EXPECT_THROW(parse_ulimit("nofile=abc"), Error);
  EXPECT_THROW(parse_ulimit("nofile=10:5"), Error);
}

TEST(ParseDevice, Forms) {
  auto device = parse_device("/dev/null");
  EXPECT_EQ("/dev/null", device.host_path);
  EXPECT_EQ("/dev/null", device.container_path);
  EXPECT_EQ("rwm", device.permissions);
  device = parse_device("/dev/null:r");
  EXPECT_EQ("/dev/null", device.container_path);
  EXPECT_EQ("r", device.permissions);
  device = parse_device("/dev/null:/dev/mynull:rw");
  EXPECT_EQ("/dev/mynull", device.container_path);
  EXPECT_EQ("rw", device.permissions);
  EXPECT_THROW(parse_device("/dev/null:/dev/x:rwx"), Error);
  EXPECT_THROW(parse_device("/dev/does-not-exist"), Error);
  EXPECT_THROW(parse_device("/etc/hostname"), Error);
  EXPECT_THROW(parse_device("dev/null"), Error);
}

TEST(CheckSysctl, NamespacedOnly) {
  EXPECT_NO_THROW(check_sysctl("net.ipv4.ip_forward=1", "bridge"));
  EXPECT_NO_THROW(check_sysctl("kernel.shmmax=100", "bridge"));
  EXPECT_NO_THROW(check_sysctl("fs.mqueue.msg_max=20", "host"));
  EXPECT_NO_THROW(check_sysctl("kernel.hostname=x", "bridge"));
  EXPECT_THROW(check_sysctl("vm.swappiness=1", "bridge"), Error);
  EXPECT_THROW(check_sysctl("net.ipv4.ip_forward=1", "host"), Error);
  EXPECT_THROW(check_sysctl("foo", "bridge"), Error);
}

CreateRequest request_with(const HostFlags& flags) {
  CreateRequest request;
  request.host = flags;
  return request;
}

TEST(ApplyHostFlags, CpusBecomeQuota) {
  HostFlags flags;
  flags.cpus = "0.5";
  container::ContainerConfig config;
  apply_host_flags(request_with(flags), config);
  const auto& r = config.host_config.resources;
  EXPECT_EQ(500000000, r.nano_cpus);
  EXPECT_EQ(100000u, r.cpu_period.value());
  EXPECT_EQ(50000, r.cpu_quota.value());
}

TEST(ApplyHostFlags, RejectsBadValues) {
  auto rejects = [](auto set) {
    HostFlags flags;
    set(flags);
    container::ContainerConfig config;
    EXPECT_THROW(apply_host_flags(request_with(flags), config), Error);
  };
  rejects([](HostFlags& f) { f.cpus = "-1"; });
  rejects([](HostFlags& f) { f.cpus = "x"; });
  rejects([](HostFlags& f) { f.cpus = "1"; f.cpu_quota = "50000"; });
  rejects([](HostFlags& f) { f.memory = "abc"; });
  rejects([](HostFlags& f) { f.memory_swap = "100m"; });
  rejects([](HostFlags& f) { f.memory = "100m"; f.memory_swap = "50m"; });
  rejects([](HostFlags& f) { f.memory = "100m"; f.memory_reservation = "200m"; });
  rejects([](HostFlags& f) { f.memory_swappiness = "200"; });
  rejects([](HostFlags& f) { f.cpu_shares = "x"; });
  rejects([](HostFlags& f) { f.cpuset_cpus = "a-b"; });
  rejects([](HostFlags& f) { f.pids_limit = "many"; });
  rejects([](HostFlags& f) { f.oom_score_adj = "5000"; });
  rejects([](HostFlags& f) { f.cap_add = {"foo"}; });
  rejects([](HostFlags& f) { f.add_hosts = {"foo"}; });
  rejects([](HostFlags& f) { f.add_hosts = {"foo:notip"}; });
  rejects([](HostFlags& f) { f.dns = {"notip"}; });
  rejects([](HostFlags& f) { f.no_hosts = true; f.add_hosts = {"a:1.1.1.1"}; });
}

TEST(ApplyHostFlags, SecurityOptions) {
  CreateRequest request;
  request.security_opts = {"no-new-privileges", "label=disable", "mask=/proc/a:/proc/b",
                           "unmask=ALL", "seccomp=unconfined"};
  request.host.cap_add = {"net_admin"};
  container::ContainerConfig config;
  apply_host_flags(request, config);
  const auto& security = config.host_config.security;
  EXPECT_TRUE(security.no_new_privileges);
  EXPECT_FALSE(config.seccomp);
  EXPECT_EQ((std::vector<std::string>{"/proc/a", "/proc/b"}), security.mask);
  EXPECT_EQ(std::vector<std::string>{"ALL"}, security.unmask);
  EXPECT_EQ(std::vector<std::string>{"CAP_NET_ADMIN"}, security.cap_add);
  EXPECT_EQ(5u, security.options.size());

  CreateRequest bad;
  bad.security_opts = {"foo=bar"};
  EXPECT_THROW(apply_host_flags(bad, config), Error);
  bad.security_opts = {"seccomp=/does/not/exist.json"};
  EXPECT_THROW(apply_host_flags(bad, config), Error);
}

TEST(ApplyHostFlags, MemoryGetsDoubleSwapByDefault) {
  HostFlags flags;
  flags.memory = "64m";
  container::ContainerConfig config;
  apply_host_flags(request_with(flags), config);
  EXPECT_EQ(64LL << 20, config.host_config.resources.memory.value());
  // Only where the kernel accounts swap, which this check cannot know.
  if (config.host_config.resources.memory_swap) {
    EXPECT_EQ(128LL << 20, *config.host_config.resources.memory_swap);
  }
}

TEST(EnvFlags, MergeAndUnset) {
  std::vector<std::string> env = {"PATH=/bin", "HELLO=world", "DROP=me"};
  HostFlags flags;
  flags.env_merge = {"PATH=/custom:${PATH}", "HELLO=$HELLO-more"};
  flags.unsetenv = {"DROP"};
  apply_env_overrides(flags, env);
  EXPECT_EQ((std::vector<std::string>{"PATH=/custom:/bin", "HELLO=world-more"}), env);
}

TEST(EnvFlags, UnsetAllClears) {
  std::vector<std::string> env = {"PATH=/bin"};
  HostFlags flags;
  flags.unsetenv_all = true;
  apply_env_defaults(flags, env);
  EXPECT_TRUE(env.empty());
}

TEST(LabelFlags, LabelsOverImageLabels) {
  container::ContainerConfig config;
  config.labels = {{"a", "image"}, {"b", "image"}};
  HostFlags flags;
  flags.labels = {"a=flag", "empty"};
  flags.annotations = {"x=y"};
  apply_label_flags(flags, config);
  EXPECT_EQ("flag", config.labels["a"]);
  EXPECT_EQ("image", config.labels["b"]);
  EXPECT_EQ("", config.labels["empty"]);
  EXPECT_EQ("y", config.annotations["x"]);
  flags.annotations = {"novalue"};
  EXPECT_THROW(apply_label_flags(flags, config), Error);
}

}  // namespace
}  // namespace berth::engine
