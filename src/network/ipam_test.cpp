#include "network/ipam.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::network {
namespace {

AddressPool pool_of(const std::string& cidr, const std::string& gateway) {
  return AddressPool::from_subnet(Subnet{cidr, gateway, {}});
}

TEST(Ipam, AllocatesInOrderSkippingGateway) {
  IpamState state;
  AddressPool pool = pool_of("10.89.250.0/24", "10.89.250.1");
  EXPECT_EQ(allocate_address(state, pool, "a", ""), "10.89.250.2");
  EXPECT_EQ(allocate_address(state, pool, "b", ""), "10.89.250.3");
  EXPECT_EQ(state.allocations.size(), 2u);
}

TEST(Ipam, SameContainerKeepsAddress) {
  IpamState state;
  AddressPool pool = pool_of("10.89.250.0/24", "10.89.250.1");
  std::string first = allocate_address(state, pool, "a", "");
  EXPECT_EQ(allocate_address(state, pool, "a", ""), first);
  EXPECT_EQ(allocate_address(state, pool, "a", first), first);
  EXPECT_EQ(state.allocations.size(), 1u);
  try {
    allocate_address(state, pool, "a", "10.89.250.50");
    ADD_FAILURE() << "a second address was handed to the same container";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
}

TEST(Ipam, ExhaustsSmallSubnet) {
  // A /29 has 6 host addresses; the gateway takes one.
  IpamState state;
  AddressPool pool = pool_of("10.89.250.0/29", "10.89.250.1");
  std::set<std::string> handed_out;
  for (int i = 0; i < 5; ++i) {
    handed_out.insert(allocate_address(state, pool, "c" + std::to_string(i), ""));
  }
  EXPECT_EQ(handed_out.size(), 5u);
  EXPECT_EQ(handed_out.count("10.89.250.0"), 0u);
  EXPECT_EQ(handed_out.count("10.89.250.1"), 0u);
  EXPECT_EQ(handed_out.count("10.89.250.7"), 0u);
  try {
    allocate_address(state, pool, "c5", "");
    ADD_FAILURE() << "allocated beyond the subnet";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_NE(std::string(e.what()).find("10.89.250.0/29"), std::string::npos) << e.what();
  }
}

TEST(Ipam, ReleasedAddressIsReusedAfterWrap) {
  IpamState state;
  AddressPool pool = pool_of("10.89.250.0/29", "10.89.250.1");
  for (int i = 0; i < 5; ++i) allocate_address(state, pool, "c" + std::to_string(i), "");
  std::string freed = state.allocations.at("c2");
  state.allocations.erase("c2");
  EXPECT_EQ(allocate_address(state, pool, "new", ""), freed);
}

TEST(Ipam, NextSearchStartsAfterLast) {
  IpamState state;
  AddressPool pool = pool_of("10.89.250.0/24", "10.89.250.1");
  allocate_address(state, pool, "a", "");  // .2
  allocate_address(state, pool, "b", "");  // .3
  state.allocations.erase("a");
  EXPECT_EQ(allocate_address(state, pool, "c", ""), "10.89.250.4");
}

TEST(Ipam, StaticAddress) {
  IpamState state;
  AddressPool pool = pool_of("10.89.250.0/24", "10.89.250.1");
  EXPECT_EQ(allocate_address(state, pool, "a", "10.89.250.77"), "10.89.250.77");

  auto expect_code = [&](const std::string& requested, ErrorCode code) {
    try {
      allocate_address(state, pool, "b", requested);
      ADD_FAILURE() << "accepted " << requested;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << requested << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(requested), std::string::npos) << e.what();
    }
  };
  expect_code("10.89.250.77", ErrorCode::kAlreadyExists);
  expect_code("10.89.251.5", ErrorCode::kInvalidArgument);
  expect_code("10.89.250.1", ErrorCode::kInvalidArgument);
  expect_code("10.89.250.0", ErrorCode::kInvalidArgument);
  expect_code("10.89.250.255", ErrorCode::kInvalidArgument);
  expect_code("not-an-ip", ErrorCode::kInvalidArgument);
}

TEST(Ipam, LeaseRangeLimitsPool) {
  IpamState state;
  AddressPool pool =
      AddressPool::from_subnet(Subnet{"10.89.250.0/24", "10.89.250.1", LeaseRange{"10.89.250.100",
                                                                                  "10.89.250.101"}});
  EXPECT_EQ(allocate_address(state, pool, "a", ""), "10.89.250.100");
  EXPECT_EQ(allocate_address(state, pool, "b", ""), "10.89.250.101");
  EXPECT_THROW(allocate_address(state, pool, "c", ""), Error);
  // A requested address may lie outside the range, as in Podman.
  EXPECT_EQ(allocate_address(state, pool, "c", "10.89.250.5"), "10.89.250.5");
  EXPECT_THROW(allocate_address(state, pool, "d", "10.89.250.1"), Error);
}

TEST(Ipam, StateJsonRoundTrip) {
  IpamState state;
  state.allocations = {{"a", "10.89.250.2"}, {"b", "10.89.250.3"}};
  state.last = "10.89.250.3";
  IpamState back = IpamState::from_json(state.to_json(), "test");
  EXPECT_EQ(back.allocations, state.allocations);
  EXPECT_EQ(back.last, state.last);
  EXPECT_THROW(IpamState::from_json("{", "test"), Error);
}

class IpamFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/berth-ipam-XXXXXX";
    run_dir_ = ::mkdtemp(pattern);
    network_.name = "berthtest";
    network_.id = std::string(64, 'a');
    network_.network_interface = "berthtest0";
    network_.subnets.push_back(Subnet{"10.89.250.0/24", "10.89.250.1", {}});
  }
  void TearDown() override { os::remove_all(run_dir_); }

  std::string run_dir_;
  Network network_;
};

TEST_F(IpamFileTest, PersistsAndReleases) {
  Ipam ipam(run_dir_, network_);
  std::string address = ipam.allocate("ctr1");
  EXPECT_EQ(address, "10.89.250.2");
  EXPECT_TRUE(os::path_exists(run_dir_ + "/networks/berthtest-ipam.json"));
  EXPECT_EQ(Ipam(run_dir_, network_).lookup("ctr1"), address);
  ipam.release("ctr1");
  EXPECT_FALSE(ipam.lookup("ctr1"));
  ipam.release("ctr1");  // a second release is fine
  release_address(run_dir_, "berthtest", "never-allocated");
  release_address(run_dir_, "no-such-network", "ctr1");
}

TEST_F(IpamFileTest, ParallelProcessesGetDistinctAddresses) {
  constexpr int kProcesses = 10;
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 0;
      try {
        Ipam(run_dir_, network_).allocate("ctr" + std::to_string(i));
      } catch (...) {
        status = 1;
      }
      ::_exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  IpamState state = IpamState::from_json(
      os::read_file(ipam_state_path(run_dir_, "berthtest")), "state");
  ASSERT_EQ(state.allocations.size(), static_cast<std::size_t>(kProcesses));
  std::set<std::string> addresses;
  for (const auto& [id, address] : state.allocations) addresses.insert(address);
  EXPECT_EQ(addresses.size(), static_cast<std::size_t>(kProcesses));
  EXPECT_EQ(addresses.count("10.89.250.1"), 0u);
}

}  // namespace
}  // namespace berth::network
