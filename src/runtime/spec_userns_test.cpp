// The user namespace parts of build_spec: the namespace, its maps, and the
// mounts that change inside one.

#include <gtest/gtest.h>

#include "runtime/spec.hpp"

namespace berth::runtime {
namespace {

using nlohmann::json;

SpecInput userns_input() {
  SpecInput input;
  input.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  input.rootfs = "/var/lib/berth/rootfs";
  input.args = {"/bin/true"};
  input.host_limits = HostLimits{1u << 30, 1u << 30};
  input.user_namespace = true;
  input.uid_mappings = {{0, 100000, 65536}};
  input.gid_mappings = {{0, 200000, 10}};
  return input;
}

const json* find_namespace(const json& spec, const std::string& type) {
  for (const auto& ns : spec["linux"]["namespaces"]) {
    if (ns["type"] == type) return &ns;
  }
  return nullptr;
}

const json* find_mount(const json& spec, const std::string& destination) {
  for (const auto& mount : spec["mounts"]) {
    if (mount["destination"] == destination) return &mount;
  }
  return nullptr;
}

TEST(SpecUserns, AddsNamespaceAndMaps) {
  json spec = build_spec(userns_input());
  const json* user = find_namespace(spec, "user");
  ASSERT_NE(user, nullptr);
  EXPECT_FALSE(user->contains("path"));
  json uid = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  json gid = {{{"containerID", 0}, {"hostID", 200000}, {"size", 10}}};
  EXPECT_EQ(spec["linux"]["uidMappings"], uid);
  EXPECT_EQ(spec["linux"]["gidMappings"], gid);
}

TEST(SpecUserns, JoinsNamespacePath) {
  SpecInput input = userns_input();
  input.user_namespace_path = "/proc/42/ns/user";
  json spec = build_spec(input);
  const json* user = find_namespace(spec, "user");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ((*user)["path"], "/proc/42/ns/user");
}

TEST(SpecUserns, NoNamespaceByDefault) {
  SpecInput input = userns_input();
  input.user_namespace = false;
  json spec = build_spec(input);
  EXPECT_EQ(find_namespace(spec, "user"), nullptr);
  EXPECT_FALSE(spec["linux"].contains("uidMappings"));
}

TEST(SpecUserns, DevptsDropsUnmappedTtyGroup) {
  json spec = build_spec(userns_input());  // GIDs 0-9 are mapped
  const json* devpts = find_mount(spec, "/dev/pts");
  ASSERT_NE(devpts, nullptr);
  EXPECT_NE(std::find((*devpts)["options"].begin(), (*devpts)["options"].end(), "gid=5"),
            (*devpts)["options"].end());
  SpecInput input = userns_input();
  input.gid_mappings = {{0, 200000, 5}};
  spec = build_spec(input);
  devpts = find_mount(spec, "/dev/pts");
  ASSERT_NE(devpts, nullptr);
  EXPECT_EQ(std::find((*devpts)["options"].begin(), (*devpts)["options"].end(), "gid=5"),
            (*devpts)["options"].end());
}

TEST(SpecUserns, SysBindOnJoinedNetwork) {
  SpecInput input = userns_input();
  input.network_namespace = "/run/berth/network/netns/x";
  json joined = build_spec(input);
  const json* sys = find_mount(joined, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ((*sys)["type"], "bind");
  input.network_namespace.clear();
  json created = build_spec(input);
  sys = find_mount(created, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ((*sys)["type"], "sysfs");
}

}  // namespace
}  // namespace berth::runtime
