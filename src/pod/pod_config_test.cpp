#include "pod/pod_config.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::pod {
namespace {

using Strings = std::vector<std::string>;

TEST(ParseShare, DefaultsToIpcNetUts) {
  EXPECT_EQ(parse_share(""), (Strings{"ipc", "net", "uts"}));
}

TEST(ParseShare, ReplacesOrAddsToTheDefault) {
  EXPECT_EQ(parse_share("pid,net"), (Strings{"net", "pid"}));
  EXPECT_EQ(parse_share("+pid"), (Strings{"ipc", "net", "pid", "uts"}));
  EXPECT_EQ(parse_share("+net"), (Strings{"ipc", "net", "uts"}));
  EXPECT_EQ(parse_share("none"), Strings{});
}

TEST(ParseShare, RejectsUnknownNamespaces) {
  try {
    parse_share("net,mnt");
    FAIL() << "mnt was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("\"mnt\""), std::string::npos);
  }
}

TEST(PodStatus, FollowsTheMembers) {
  EXPECT_EQ(pod_status({}), "Created");
  EXPECT_EQ(pod_status({"created", "created"}), "Created");
  EXPECT_EQ(pod_status({"running", "running"}), "Running");
  EXPECT_EQ(pod_status({"running", "exited"}), "Degraded");
  EXPECT_EQ(pod_status({"running", "created"}), "Degraded");
  EXPECT_EQ(pod_status({"paused", "paused"}), "Paused");
  EXPECT_EQ(pod_status({"exited", "stopped"}), "Exited");
  EXPECT_EQ(pod_status({"exited", "created"}), "Stopped");
}

TEST(PodConfig, RoundTripsThroughJson) {
  PodConfig c;
  c.hostname = "h";
  c.labels = {{"a", "b"}};
  c.shared = {"net"};
  c.exit_policy = "stop";
  c.infra = false;
  c.publish = {"8080:80"};
  PodConfig back = nlohmann::json(c).get<PodConfig>();
  EXPECT_EQ(back.hostname, "h");
  EXPECT_EQ(back.labels, c.labels);
  EXPECT_EQ(back.shared, c.shared);
  EXPECT_EQ(back.exit_policy, "stop");
  EXPECT_FALSE(back.infra);
  EXPECT_EQ(back.publish, c.publish);
}

TEST(DefaultInfraName, UsesTwelveDigits) {
  EXPECT_EQ(default_infra_name("0123456789abcdef"), "0123456789ab-infra");
}

}  // namespace
}  // namespace berth::pod
