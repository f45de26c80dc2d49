#include "network/firewall.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

#include "common/error.hpp"
#include "os/lock.hpp"

namespace berth::network {
namespace {

// A table of its own, so these tests never touch berth's real rules.
constexpr const char* kTestTable = "berthtest_fw";

ContainerRules sample_rules() {
  ContainerRules rules;
  rules.table = kTestTable;
  rules.container_id = "abc123";
  rules.subnet = "10.89.250.0/24";
  rules.container_ip = "10.89.250.2";
  rules.ports = {{"", 8080, 80, "tcp"}, {"127.0.0.1", 5353, 53, "udp"}};
  return rules;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(FirewallRuleset, SetupHasBaseChainsAndContainerChain) {
  std::string script = build_setup_ruleset(sample_rules());
  EXPECT_TRUE(contains(script, "add table inet berthtest_fw\n"));
  EXPECT_TRUE(contains(script, "add chain inet berthtest_fw prerouting { type nat hook prerouting"));
  EXPECT_TRUE(contains(script, "add chain inet berthtest_fw output { type nat hook output"));
  EXPECT_TRUE(contains(script, "flush chain inet berthtest_fw postrouting\n"));
  EXPECT_TRUE(contains(script, "add rule inet berthtest_fw prerouting fib daddr type local meta "
                               "l4proto . th dport vmap @ports\n"));
  EXPECT_TRUE(contains(script, "add rule inet berthtest_fw output fib daddr type local"));
  EXPECT_TRUE(contains(script, "ip saddr 127.0.0.0/8 ip daddr @subnets ct status dnat masquerade"));
  EXPECT_TRUE(contains(script, "ip saddr @subnets ip daddr != @subnets"));
  EXPECT_TRUE(contains(script, "add element inet berthtest_fw subnets { 10.89.250.0/24 }\n"));
  EXPECT_TRUE(contains(script, "add chain inet berthtest_fw ctr-abc123\n"));
  EXPECT_TRUE(contains(script, "flush chain inet berthtest_fw ctr-abc123\n"));
  EXPECT_TRUE(contains(script, "add rule inet berthtest_fw ctr-abc123 meta nfproto ipv4 tcp dport "
                               "8080 dnat ip to 10.89.250.2:80\n"));
  EXPECT_TRUE(contains(script, "add rule inet berthtest_fw ctr-abc123 ip daddr 127.0.0.1 udp dport "
                               "5353 dnat ip to 10.89.250.2:53\n"));
  EXPECT_TRUE(contains(script, "add element inet berthtest_fw ports { tcp . 8080 : jump "
                               "ctr-abc123, udp . 5353 : jump ctr-abc123 }\n"));
}

TEST(FirewallRuleset, InternalNetworkHasNoMasquerade) {
  ContainerRules rules = sample_rules();
  rules.masquerade = false;
  rules.ports.clear();
  std::string script = build_setup_ruleset(rules);
  EXPECT_FALSE(contains(script, "add element inet berthtest_fw subnets"));
  EXPECT_FALSE(contains(script, "ctr-abc123"));
}

TEST(FirewallRuleset, TeardownAddsBeforeDeleting) {
  std::string script =
      build_teardown_ruleset(kTestTable, "abc123", {{"", 8080, 80, "tcp"}, {"", 8080, 81, "tcp"}});
  EXPECT_EQ(script,
            "add chain inet berthtest_fw ctr-abc123\n"
            "add element inet berthtest_fw ports { tcp . 8080 : jump ctr-abc123 }\n"
            "delete element inet berthtest_fw ports { tcp . 8080 }\n"
            "flush chain inet berthtest_fw ctr-abc123\n"
            "delete chain inet berthtest_fw ctr-abc123\n");
}

TEST(FirewallRuleset, RejectsInjection) {
  ContainerRules rules = sample_rules();
  rules.container_id = "x; flush ruleset";
  EXPECT_THROW(build_setup_ruleset(rules), Error);
  rules = sample_rules();
  rules.container_ip = "10.0.0.1; flush ruleset";
  EXPECT_THROW(build_setup_ruleset(rules), Error);
  rules = sample_rules();
  rules.ports[0].protocol = "tcp; flush ruleset";
  EXPECT_THROW(build_setup_ruleset(rules), Error);
  rules = sample_rules();
  rules.ports[0].host_ip = "1.2.3.4 accept";
  EXPECT_THROW(build_setup_ruleset(rules), Error);
  EXPECT_THROW(build_teardown_ruleset("t x", "abc", {}), Error);
}

class FirewallKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for nftables";
    // ctest may run tests in parallel processes; they share the table.
    kernel_lock_.emplace("/tmp/berth-network-test.lock");
    delete_table(kTestTable);
  }
  void TearDown() override {
    if (::geteuid() == 0) delete_table(kTestTable);
  }
  std::string list_table() { return run_nft(std::string("list table inet ") + kTestTable); }

  std::optional<os::FileLock> kernel_lock_;
};

TEST_F(FirewallKernelTest, AddAndRemoveOneContainer) {
  ContainerRules a = sample_rules();
  add_container_rules(a);
  add_container_rules(a);  // idempotent
  ContainerRules b = sample_rules();
  b.container_id = "def456";
  b.container_ip = "10.89.250.3";
  b.ports = {{"", 9090, 80, "tcp"}};
  add_container_rules(b);

  std::string listed = list_table();
  EXPECT_TRUE(contains(listed, "chain ctr-abc123")) << listed;
  EXPECT_TRUE(contains(listed, "tcp . 8080 : jump ctr-abc123")) << listed;
  EXPECT_TRUE(contains(listed, "dnat ip to 10.89.250.2:80")) << listed;
  EXPECT_TRUE(contains(listed, "chain ctr-def456")) << listed;

  remove_container_rules(kTestTable, a.container_id, a.ports);
  listed = list_table();
  EXPECT_FALSE(contains(listed, "ctr-abc123")) << listed;
  EXPECT_FALSE(contains(listed, "10.89.250.2")) << listed;
  EXPECT_TRUE(contains(listed, "tcp . 9090 : jump ctr-def456")) << listed;

  remove_container_rules(kTestTable, a.container_id, a.ports);  // idempotent
  remove_container_rules(kTestTable, b.container_id, {});      // ports unknown: slow path
  listed = list_table();
  EXPECT_FALSE(contains(listed, "ctr-def456")) << listed;
}

TEST_F(FirewallKernelTest, PortTakenByAnotherContainer) {
  add_container_rules(sample_rules());
  ContainerRules other = sample_rules();
  other.container_id = "other1";
  other.container_ip = "10.89.250.9";
  other.ports = {{"", 8080, 80, "tcp"}};
  try {
    add_container_rules(other);
    ADD_FAILURE() << "two containers published 8080/tcp";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAlreadyExists);
    EXPECT_TRUE(contains(e.what(), "8080/tcp")) << e.what();
  }
  // The failed transaction left nothing behind.
  EXPECT_FALSE(contains(list_table(), "ctr-other1"));
  // Teardown of the other container must not remove the first one's port.
  remove_container_rules(kTestTable, "other1", other.ports);
  EXPECT_TRUE(contains(list_table(), "tcp . 8080 : jump ctr-abc123"));
}

TEST_F(FirewallKernelTest, RemoveWithoutTable) {
  remove_container_rules(kTestTable, "abc123", sample_rules().ports);
  EXPECT_THROW(list_table(), Error);  // and it did not create the table
}

}  // namespace
}  // namespace berth::network
