#include "network/port_ranges.hpp"

#include <gtest/gtest.h>

namespace berth::network {
namespace {

std::string formatted(const std::vector<PortMapping>& mappings) {
  std::string out;
  for (const auto& run : group_port_runs(mappings)) {
    out += (out.empty() ? "" : ", ") + format_port_run(run);
  }
  return out;
}

TEST(PortRuns, JoinsConsecutivePortsOfOneAddressAndProtocol) {
  EXPECT_EQ(formatted({{"", 8080, 80, "tcp"}, {"", 8081, 81, "tcp"}, {"", 8082, 82, "tcp"}}),
            "0.0.0.0:8080-8082->80-82/tcp");
  EXPECT_EQ(group_port_runs({{"", 8081, 81, "tcp"}, {"", 8080, 80, "tcp"}}),
            (std::vector<PortRun>{{{"", 8080, 80, "tcp"}, 2}}));
}

TEST(PortRuns, KeepsApartWhatIsNotConsecutive) {
  // The container ports jump, the host ports jump, the protocol or the
  // address differs.
  EXPECT_EQ(formatted({{"", 8096, 96, "tcp"}, {"", 8097, 98, "tcp"}}),
            "0.0.0.0:8096->96/tcp, 0.0.0.0:8097->98/tcp");
  EXPECT_EQ(formatted({{"", 9000, 80, "tcp"}, {"", 8000, 81, "tcp"}}),
            "0.0.0.0:9000->80/tcp, 0.0.0.0:8000->81/tcp");
  EXPECT_EQ(formatted({{"", 8080, 80, "udp"}, {"", 8081, 81, "tcp"}}),
            "0.0.0.0:8081->81/tcp, 0.0.0.0:8080->80/udp");
  EXPECT_EQ(formatted({{"127.0.0.1", 8081, 81, "tcp"}, {"", 8080, 80, "tcp"}}),
            "0.0.0.0:8080->80/tcp, 127.0.0.1:8081->81/tcp");
}

TEST(PortRuns, OrdersAsPodmanDoes) {
  // Podman 4.3 printed this order for the same -p flags given in the
  // order below.
  EXPECT_EQ(formatted({{"", 18095, 95, "udp"},
                       {"", 18090, 90, "tcp"},
                       {"", 18080, 80, "tcp"},
                       {"127.0.0.1", 18081, 81, "tcp"},
                       {"", 18082, 82, "tcp"},
                       {"", 18096, 96, "tcp"},
                       {"", 18097, 98, "tcp"}}),
            "0.0.0.0:18080->80/tcp, 0.0.0.0:18082->82/tcp, 0.0.0.0:18090->90/tcp, "
            "0.0.0.0:18096->96/tcp, 0.0.0.0:18097->98/tcp, 0.0.0.0:18095->95/udp, "
            "127.0.0.1:18081->81/tcp");
}

TEST(PortRuns, EmptyGivesNothing) { EXPECT_TRUE(group_port_runs({}).empty()); }

}  // namespace
}  // namespace berth::network
