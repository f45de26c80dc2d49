#include "network/network_manager.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "network/bridge.hpp"
#include "network/firewall.hpp"
#include "network/ipam.hpp"
#include "network/netns.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"

namespace berth::network {
namespace {

// A bridge, subnet and nftables table of the tests' own, so the real
// default network "podman" on podman0 is never touched.
constexpr const char* kNetwork = "berthtest";
constexpr const char* kBridge = "berthtest0";
constexpr const char* kSubnet = "10.89.250.0/24";
constexpr const char* kGateway = "10.89.250.1";
constexpr const char* kTable = "berthtest";

// A TCP server on 0.0.0.0:80 inside a network namespace that writes a fixed
// greeting to each connection. It runs on a thread that joined the
// namespace, so the listening socket lives there.
class NetnsServer {
 public:
  explicit NetnsServer(const std::string& netns_path) {
    run_in_netns(netns_path, [&] {
      listener_ = os::Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      int on = 1;
      ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(80);
      if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
          ::listen(listener_.get(), 16) != 0) {
        fail_errno(errno, "listening on port 80 in the test namespace");
      }
    });
    thread_ = std::thread([this] {
      while (true) {
        int client = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;  // shutdown() ends the loop
        const char greeting[] = "hello from netns\n";
        (void)!::write(client, greeting, sizeof greeting - 1);
        ::close(client);
      }
    });
  }
  ~NetnsServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    thread_.join();
  }

 private:
  os::Fd listener_;
  std::thread thread_;
};

// Connects to ip:port from the host and returns what the server sent, or
// the connect error.
std::string fetch(const std::string& ip, int port) {
  os::Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval timeout{2, 0};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return std::string("connect failed: ") + std::strerror(errno);
  }
  std::string received;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(sock.get(), buffer, sizeof buffer)) > 0) received.append(buffer, n);
  return received;
}

class NetworkManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for namespaces, netlink and nftables";
    // ctest may run tests in parallel processes; they share the bridge and table.
    kernel_lock_.emplace("/tmp/berth-network-test.lock");
    char pattern[] = "/tmp/berth-net-XXXXXX";
    root_ = ::mkdtemp(pattern);
    config_dir_ = root_ + "/networks";
    run_dir_ = root_ + "/run";
    Network network;
    network.name = kNetwork;
    network.id = random_id();
    network.network_interface = kBridge;
    network.created = "2024-01-01T00:00:00Z";
    network.subnets.push_back(Subnet{kSubnet, kGateway, {}});
    store_network(config_dir_, network);
    manager_.emplace(config_dir_, run_dir_, kTable);
  }

  void TearDown() override {
    if (::geteuid() != 0) return;
    delete_table(kTable);
    delete_link(kBridge);
    // The netns directory is a bind mount of itself; undo it before removal.
    ::umount2((run_dir_ + "/netns").c_str(), MNT_DETACH);
    os::remove_all(root_);
  }

  std::string list_table() {
    try {
      return run_nft(std::string("list table inet ") + kTable);
    } catch (const Error&) {
      return "";
    }
  }

  std::string root_;
  std::string config_dir_;
  std::string run_dir_;
  std::optional<NetworkManager> manager_;
  std::optional<os::FileLock> kernel_lock_;
};

TEST_F(NetworkManagerTest, PublishedPortReachesNamespace) {
  std::string id = random_id();
  std::string netns = manager_->create_netns(id);
  EXPECT_EQ(netns, run_dir_ + "/netns/" + id);

  PortMapping port{"", find_free_port("", "tcp"), 80, "tcp"};
  PortMapping loopback_only{"127.0.0.1", find_free_port("127.0.0.1", "tcp"), 80, "tcp"};
  Attachment attachment = manager_->setup(id, netns, kNetwork, {port, loopback_only});
  EXPECT_EQ(attachment.network, kNetwork);
  EXPECT_EQ(attachment.interface, "eth0");
  EXPECT_EQ(attachment.ip, "10.89.250.2");
  EXPECT_EQ(attachment.prefix_len, 24);
  EXPECT_EQ(attachment.gateway, kGateway);
  EXPECT_EQ(attachment.mac.size(), 17u) << attachment.mac;
  EXPECT_TRUE(link_exists(kBridge));
  EXPECT_TRUE(link_exists(veth_name(kNetwork, id)));

  {
    NetnsServer server(netns);
    EXPECT_EQ(fetch(attachment.ip, 80), "hello from netns\n");
    EXPECT_EQ(fetch("127.0.0.1", port.host_port), "hello from netns\n");
    EXPECT_EQ(fetch("127.0.0.1", loopback_only.host_port), "hello from netns\n");
    // The gateway is an address of this host, so the port is published there too.
    EXPECT_EQ(fetch(kGateway, port.host_port), "hello from netns\n");
  }

  std::string veth = veth_name(kNetwork, id);
  EXPECT_NE(list_table().find("ctr-" + id), std::string::npos);
  manager_->teardown(id, netns, kNetwork, {port, loopback_only});
  std::string listed = list_table();
  EXPECT_EQ(listed.find("ctr-" + id), std::string::npos) << listed;
  EXPECT_EQ(listed.find(attachment.ip), std::string::npos) << listed;
  EXPECT_FALSE(link_exists(veth));
  EXPECT_FALSE(Ipam(run_dir_, *load_network(config_dir_, kNetwork)).lookup(id));
  EXPECT_TRUE(link_exists(kBridge));  // the bridge stays for other containers

  manager_->teardown(id, netns, kNetwork, {port, loopback_only});  // idempotent
  manager_->remove_netns(netns);
  EXPECT_FALSE(os::path_exists(netns));
  manager_->remove_netns(netns);  // idempotent
}

TEST_F(NetworkManagerTest, TwoContainersGetDistinctAddresses) {
  std::string a = random_id();
  std::string b = random_id();
  std::string netns_a = manager_->create_netns(a);
  std::string netns_b = manager_->create_netns(b);
  Attachment first = manager_->setup(a, netns_a, kNetwork, {});
  Attachment second = manager_->setup(b, netns_b, kNetwork, {}, "10.89.250.50");
  EXPECT_NE(first.ip, second.ip);
  EXPECT_EQ(second.ip, "10.89.250.50");
  // Container a reaches b across the bridge.
  NetnsServer server(netns_b);
  std::string received;
  run_in_netns(netns_a, [&] { received = fetch(second.ip, 80); });
  EXPECT_EQ(received, "hello from netns\n");

  manager_->teardown(a, netns_a, kNetwork, {});
  manager_->teardown(b, netns_b, kNetwork, {});
  manager_->remove_netns(netns_a);
  manager_->remove_netns(netns_b);
}

TEST_F(NetworkManagerTest, BridgeMacStaysWhenPortsJoin) {
  std::string sysfs = std::string("/sys/class/net/") + kBridge;
  std::vector<std::string> ids;
  std::string mac;
  for (int i = 0; i < 4; ++i) {
    std::string id = random_id();
    std::string netns = manager_->create_netns(id);
    manager_->setup(id, netns, kNetwork, {});
    ids.push_back(id);
    std::string now = os::read_file(sysfs + "/address");
    if (mac.empty()) mac = now;
    EXPECT_EQ(now, mac) << "the bridge MAC changed when port " << i << " joined";
  }
  EXPECT_EQ(os::read_file(sysfs + "/addr_assign_type"), "3\n") << "the MAC is not pinned";
  for (const auto& id : ids) {
    manager_->teardown(id, manager_->netns_path(id), kNetwork, {});
    manager_->remove_netns(manager_->netns_path(id));
  }
}

TEST_F(NetworkManagerTest, FailedSetupLeavesNothing) {
  std::string a = random_id();
  std::string b = random_id();
  std::string netns_a = manager_->create_netns(a);
  std::string netns_b = manager_->create_netns(b);
  PortMapping port{"", find_free_port("", "tcp"), 80, "tcp"};
  manager_->setup(a, netns_a, kNetwork, {port});
  try {
    manager_->setup(b, netns_b, kNetwork, {port});
    ADD_FAILURE() << "two containers published the same port";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAlreadyExists) << e.what();
  }
  EXPECT_FALSE(link_exists(veth_name(kNetwork, b)));
  EXPECT_FALSE(Ipam(run_dir_, *load_network(config_dir_, kNetwork)).lookup(b));
  EXPECT_NE(list_table().find("ctr-" + a), std::string::npos);

  manager_->teardown(a, netns_a, kNetwork, {port});
  manager_->remove_netns(netns_a);
  manager_->remove_netns(netns_b);
}

TEST_F(NetworkManagerTest, UnknownNetwork) {
  try {
    manager_->setup(random_id(), "/nonexistent", "nosuchnet", {});
    ADD_FAILURE() << "setup on a missing network succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("nosuchnet"), std::string::npos) << e.what();
  }
}

TEST_F(NetworkManagerTest, NetnsNameTakenTwice) {
  std::string id = random_id();
  std::string netns = manager_->create_netns(id);
  try {
    manager_->create_netns(id);
    ADD_FAILURE() << "created the same namespace twice";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAlreadyExists);
  }
  manager_->remove_netns(netns);
}

TEST_F(NetworkManagerTest, TeardownWithNetnsRemoval) {
  std::string id = random_id();
  std::string netns = manager_->create_netns(id);
  PortMapping port{"", find_free_port("", "tcp"), 80, "tcp"};
  manager_->setup(id, netns, kNetwork, {port});
  manager_->teardown_and_remove_netns(id, netns, kNetwork, {port});
  EXPECT_FALSE(os::path_exists(netns));
  EXPECT_EQ(list_table().find("ctr-" + id), std::string::npos);
  EXPECT_FALSE(Ipam(run_dir_, *load_network(config_dir_, kNetwork)).lookup(id));
  // The kernel destroys the pair in the background; give it up to 5 s.
  std::string veth = veth_name(kNetwork, id);
  for (int i = 0; i < 500 && link_exists(veth); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(link_exists(veth));
  manager_->teardown_and_remove_netns(id, netns, kNetwork, {port});  // idempotent
}

// Prints the time of one setup and one teardown, the numbers netavark is
// compared with (about 50 ms and 230 ms for netavark on the same machine).
TEST_F(NetworkManagerTest, SetupTeardownTiming) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::vector<double> netns_ms, setup_ms, teardown_ms, fast_teardown_ms;
  for (int i = 0; i < 7; ++i) {
    std::string id = random_id();
    auto t0 = Clock::now();
    std::string netns = manager_->create_netns(id);
    auto t1 = Clock::now();
    PortMapping port{"", find_free_port("", "tcp"), 80, "tcp"};
    manager_->setup(id, netns, kNetwork, {port});
    auto t2 = Clock::now();
    manager_->teardown(id, netns, kNetwork, {port});
    auto t3 = Clock::now();
    manager_->remove_netns(netns);
    std::string id2 = random_id();
    std::string netns2 = manager_->create_netns(id2);
    manager_->setup(id2, netns2, kNetwork, {port});
    auto t4 = Clock::now();
    manager_->teardown_and_remove_netns(id2, netns2, kNetwork, {port});
    fast_teardown_ms.push_back(ms(Clock::now() - t4));
    netns_ms.push_back(ms(t1 - t0));
    setup_ms.push_back(ms(t2 - t1));
    teardown_ms.push_back(ms(t3 - t2));
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  std::printf(
      "median of 7: create_netns %.2f ms, setup %.2f ms, teardown %.2f ms, "
      "teardown_and_remove_netns %.2f ms\n",
      median(netns_ms), median(setup_ms), median(teardown_ms), median(fast_teardown_ms));
}

}  // namespace
}  // namespace berth::network

namespace berth::network {
namespace {

// The routes of the calling thread's network namespace, as the kernel lists them.
std::string thread_routes() {
  return os::read_file_if_exists("/proc/thread-self/net/route").value_or("");
}

TEST_F(NetworkManagerTest, ConnectedNetworkKeepsPrimaryRules) {
  Network second;
  second.name = "berthtest2";
  second.id = random_id();
  second.network_interface = "berthtest1";
  second.created = "2024-01-01T00:00:00Z";
  second.subnets.push_back(Subnet{"10.89.251.0/24", "10.89.251.1", {}});
  store_network(config_dir_, second);
  std::string id = random_id();
  std::string netns = manager_->create_netns(id);
  PortMapping port{"", find_free_port("", "tcp"), 80, "tcp"};
  manager_->setup(id, netns, kNetwork, {port});

  Attachment extra = manager_->allocate(id, second.name, "10.89.251.9");
  extra.interface = "eth1";
  extra.primary = false;
  extra.mac = "02:11:22:33:44:55";
  manager_->connect(id, netns, {}, extra);
  EXPECT_EQ(extra.ip, "10.89.251.9");
  EXPECT_EQ(extra.mac, "02:11:22:33:44:55");
  EXPECT_TRUE(link_exists(veth_name(second.name, id)));
  std::string routes;
  run_in_netns(netns, [&] { routes = thread_routes(); });
  // One default route (destination 00000000), through eth0 only.
  EXPECT_NE(routes.find("eth0\t00000000"), std::string::npos) << routes;
  EXPECT_EQ(routes.find("eth1\t00000000"), std::string::npos) << routes;
  // A connected network's server is reachable on its address.
  std::string other = random_id();
  std::string other_netns = manager_->create_netns(other);
  Attachment peer = manager_->setup(other, other_netns, second.name, {});
  NetnsServer server(other_netns);
  std::string received;
  run_in_netns(netns, [&] { received = fetch(peer.ip, 80); });
  EXPECT_EQ(received, "hello from netns\n");

  manager_->detach(id, second.name);
  EXPECT_FALSE(link_exists(veth_name(second.name, id)));
  EXPECT_FALSE(Ipam(run_dir_, second).lookup(id));
  // The primary network's port rules survive the detach.
  EXPECT_NE(list_table().find("ctr-" + id), std::string::npos);
  // A second detach finds nothing left and succeeds.
  EXPECT_NO_THROW(manager_->detach(id, second.name));

  manager_->teardown(other, other_netns, second.name, {});
  manager_->remove_netns(other_netns);
  manager_->teardown(id, netns, kNetwork, {port});
  manager_->remove_netns(netns);
  delete_link("berthtest1");
}

}  // namespace
}  // namespace berth::network
