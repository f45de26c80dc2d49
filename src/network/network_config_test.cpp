#include "network/network_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::network {
namespace {

// A network file as netavark writes it, with a key berth does not know.
constexpr const char* kNetavarkJson = R"({
     "name": "web",
     "id": "8bd4f6bb4e5e0e4d39b8fbdb9e4f0b28a2c6e1f23ec4d2f3b8f5f8d4c1a3b2e1",
     "driver": "bridge",
     "network_interface": "podman1",
     "created": "2024-03-01T10:00:00.123456789+01:00",
     "subnets": [
          {
               "subnet": "10.89.0.0/24",
               "gateway": "10.89.0.1",
               "lease_range": {
                    "start_ip": "10.89.0.10",
                    "end_ip": "10.89.0.20"
               }
          }
     ],
     "ipv6_enabled": false,
     "internal": false,
     "dns_enabled": true,
     "labels": {
          "app": "shop"
     },
     "ipam_options": {
          "driver": "host-local"
     },
     "network_dns_servers": [
          "192.0.2.53"
     ]
})";

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/berth-netcfg-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { os::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(NetworkConfig, ParsesNetavarkJson) {
  Network network = network_from_json(kNetavarkJson, "web.json");
  EXPECT_EQ(network.name, "web");
  EXPECT_EQ(network.driver, "bridge");
  EXPECT_EQ(network.network_interface, "podman1");
  EXPECT_EQ(network.created, "2024-03-01T10:00:00.123456789+01:00");
  ASSERT_EQ(network.subnets.size(), 1u);
  EXPECT_EQ(network.subnets[0].subnet, "10.89.0.0/24");
  EXPECT_EQ(network.subnets[0].gateway, "10.89.0.1");
  ASSERT_TRUE(network.subnets[0].lease_range);
  EXPECT_EQ(network.subnets[0].lease_range->start_ip, "10.89.0.10");
  EXPECT_TRUE(network.dns_enabled);
  EXPECT_EQ(network.labels.at("app"), "shop");
  EXPECT_EQ(network.ipam_options.at("driver"), "host-local");
  EXPECT_TRUE(network.extra.contains("network_dns_servers"));
}

TEST(NetworkConfig, RoundTripKeepsEverything) {
  Network network = network_from_json(kNetavarkJson, "web.json");
  std::string written = network_to_json(network);
  EXPECT_EQ(network_from_json(written, "again"), network);
  EXPECT_EQ(nlohmann::json::parse(written), nlohmann::json::parse(kNetavarkJson));
  // netavark's key order: name first, ipam_options after the booleans.
  EXPECT_LT(written.find("\"name\""), written.find("\"id\""));
  EXPECT_LT(written.find("\"dns_enabled\""), written.find("\"ipam_options\""));
}

TEST(NetworkConfig, DefaultNetworkMatchesPodman) {
  Network network = default_network();
  EXPECT_EQ(network.name, "podman");
  EXPECT_EQ(network.id, "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9");
  EXPECT_EQ(network.driver, "bridge");
  EXPECT_EQ(network.network_interface, "podman0");
  ASSERT_EQ(network.subnets.size(), 1u);
  EXPECT_EQ(network.subnets[0].subnet, "10.88.0.0/16");
  EXPECT_EQ(network.subnets[0].gateway, "10.88.0.1");
  EXPECT_FALSE(network.dns_enabled);
  EXPECT_FALSE(network.internal);
  EXPECT_FALSE(network.created.empty());
  auto json = nlohmann::json::parse(network_to_json(network));
  EXPECT_FALSE(json.contains("labels"));
  EXPECT_EQ(json["ipam_options"]["driver"], "host-local");
}

TEST(NetworkConfig, LoadsBuiltInDefaultWithoutFile) {
  TempDir dir;
  auto network = load_network(dir.path(), "podman");
  ASSERT_TRUE(network);
  EXPECT_EQ(network->network_interface, "podman0");
  EXPECT_FALSE(load_network(dir.path(), "other"));
}

TEST(NetworkConfig, StoreThenLoad) {
  TempDir dir;
  Network network = network_from_json(kNetavarkJson, "web.json");
  store_network(dir.path() + "/networks", network);
  auto loaded = load_network(dir.path() + "/networks", "web");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, network);
  auto all = list_networks(dir.path() + "/networks");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "podman");
  EXPECT_EQ(all[1].name, "web");
}

TEST(NetworkConfig, FileOverridesDefault) {
  TempDir dir;
  Network network = default_network();
  network.dns_enabled = true;
  store_network(dir.path(), network);
  EXPECT_TRUE(load_network(dir.path(), "podman")->dns_enabled);
  EXPECT_EQ(list_networks(dir.path()).size(), 1u);
}

TEST(NetworkConfig, ListSkipsBrokenFiles) {
  TempDir dir;
  store_network(dir.path(), network_from_json(kNetavarkJson, "web.json"));
  os::write_file_atomic(dir.path() + "/bad.json", "{bad json");
  auto all = list_networks(dir.path());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "podman");
  EXPECT_EQ(all[1].name, "web");
}

TEST(NetworkConfig, RejectsInvalidFiles) {
  auto expect_invalid = [](const std::string& text) {
    try {
      network_from_json(text, "bad.json");
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
    }
  };
  expect_invalid("not json");
  expect_invalid(R"({"id": "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"})");
  expect_invalid(R"({"name": "x", "id": "short"})");
  expect_invalid(R"({"name": "-x", "id": "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"})");
  expect_invalid(R"({"name": "x", "id": "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9",
                     "subnets": [{"subnet": "10.0.0.0/8", "gateway": "11.0.0.1"}]})");
}

TEST(NetworkConfig, RejectsNameMismatch) {
  TempDir dir;
  os::write_file_atomic(dir.path() + "/other.json",
                        network_to_json(network_from_json(kNetavarkJson, "web.json")));
  EXPECT_THROW(load_network(dir.path(), "other"), Error);
  EXPECT_THROW(load_network(dir.path(), "../etc"), Error);
}

}  // namespace
}  // namespace berth::network
