#include <gtest/gtest.h>

#include "container/config.hpp"

namespace berth::container {
namespace {

TEST(ConnectedNetworks, OldRecordReadsEmpty) {
  auto config = nlohmann::json::parse(R"({"network_mode":"bridge","network_name":"front"})")
                    .get<ContainerConfig>();
  EXPECT_TRUE(config.connected_networks.empty());
  EXPECT_EQ(config.bridge_networks(), (std::vector<std::string>{"front"}));
  auto state = nlohmann::json::parse(R"({"netns":"/run/x","network":"front","ip":"10.89.0.2"})")
                   .get<NetworkState>();
  EXPECT_TRUE(state.connected.empty());
  EXPECT_EQ(state.ip, "10.89.0.2");
}

TEST(ConnectedNetworks, RoundTrip) {
  ContainerConfig config;
  config.connected_networks.push_back({"back", {"db", "cache"}, "10.89.1.7", "02:00:00:00:00:01"});
  config.connected_networks.push_back({"side", {}, "", ""});
  nlohmann::json j = config;
  // The first network keeps its old key and meaning.
  EXPECT_FALSE(j.contains("network_name"));
  auto back = j.get<ContainerConfig>();
  ASSERT_EQ(back.connected_networks.size(), 2u);
  EXPECT_EQ(back.connected_networks[0].name, "back");
  EXPECT_EQ(back.connected_networks[0].aliases, (std::vector<std::string>{"db", "cache"}));
  EXPECT_EQ(back.connected_networks[0].static_ip, "10.89.1.7");
  EXPECT_EQ(back.connected_networks[0].static_mac, "02:00:00:00:00:01");
  EXPECT_EQ(back.connected_networks[1].static_ip, "");
  EXPECT_EQ(back.bridge_networks(), (std::vector<std::string>{"podman", "back", "side"}));
}

TEST(ConnectedNetworks, NoNetworksOutsideBridgeMode) {
  ContainerConfig config;
  config.network_mode = "host";
  config.connected_networks.push_back({"back", {}, "", ""});
  EXPECT_TRUE(config.bridge_networks().empty());
}

TEST(ConnectedNetworks, StateRoundTrip) {
  NetworkState state;
  state.netns = "/run/berth/network/netns/abc";
  state.network = "front";
  state.interface = "eth0";
  state.ip = "10.89.0.2";
  state.connected.push_back({"back", "eth1", "10.89.1.3", 24, "10.89.1.1", "02:00:00:00:00:02"});
  auto back = nlohmann::json(state).get<NetworkState>();
  ASSERT_EQ(back.connected.size(), 1u);
  EXPECT_EQ(back.connected[0].network, "back");
  EXPECT_EQ(back.connected[0].interface, "eth1");
  EXPECT_EQ(back.connected[0].ip, "10.89.1.3");
  EXPECT_EQ(back.connected[0].prefix_len, 24);
  EXPECT_EQ(back.connected[0].gateway, "10.89.1.1");
  EXPECT_EQ(back.connected[0].mac, "02:00:00:00:00:02");
  EXPECT_EQ(back.network, "front");
}

}  // namespace
}  // namespace berth::container
