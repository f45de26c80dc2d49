#include "container/stats.hpp"

#include <gtest/gtest.h>

namespace berth::container {
namespace {

TEST(StatsParse, FlatKeyedFindsKey) {
  const char* cpu_stat =
      "usage_usec 1234567\n"
      "user_usec 1000000\n"
      "system_usec 234567\n"
      "nr_periods 0\n";
  EXPECT_EQ(parse_flat_keyed(cpu_stat, "usage_usec"), 1234567);
  EXPECT_EQ(parse_flat_keyed(cpu_stat, "system_usec"), 234567);
  EXPECT_FALSE(parse_flat_keyed(cpu_stat, "usage").has_value());
}

TEST(StatsParse, V1MemoryStatInactiveFile) {
  const char* memory_stat =
      "cache 8192\n"
      "inactive_file 4096\n"
      "total_cache 8192\n"
      "total_inactive_file 12288\n";
  EXPECT_EQ(parse_flat_keyed(memory_stat, "total_inactive_file"), 12288);
  EXPECT_EQ(parse_flat_keyed(memory_stat, "inactive_file"), 4096);
}

TEST(StatsParse, V2IoStatSumsDevices) {
  const char* io_stat =
      "8:0 rbytes=1000 wbytes=2000 rios=3 wios=4 dbytes=0 dios=0\n"
      "8:16 rbytes=500 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n";
  auto [read, written] = parse_io_stat(io_stat);
  EXPECT_EQ(read, 1500);
  EXPECT_EQ(written, 2020);
}

TEST(StatsParse, V2IoStatEmpty) {
  auto [read, written] = parse_io_stat("");
  EXPECT_EQ(read, 0);
  EXPECT_EQ(written, 0);
}

TEST(StatsParse, V1BlkioSkipsTotal) {
  const char* service_bytes =
      "8:0 Read 4096\n"
      "8:0 Write 8192\n"
      "8:0 Sync 12288\n"
      "8:0 Async 0\n"
      "8:0 Discard 0\n"
      "8:0 Total 12288\n"
      "253:0 Read 100\n"
      "253:0 Write 0\n"
      "Total 12388\n";
  auto [read, written] = parse_blkio_service_bytes(service_bytes);
  EXPECT_EQ(read, 4196);
  EXPECT_EQ(written, 8192);
}

TEST(StatsParse, NetDevSkipsLoopback) {
  const char* net_dev =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
      "errs drop fifo colls carrier compressed\n"
      "    lo:     300       3    0    0    0     0          0         0      300       3    "
      "0    0    0     0       0          0\n"
      "  eth0:    1090      12    0    0    0     0          0         0      656       8    "
      "0    0    0     0       0          0\n";
  auto [received, sent] = parse_net_dev(net_dev);
  EXPECT_EQ(received, 1090);
  EXPECT_EQ(sent, 656);
}

TEST(StatsParse, LimitMaxAndHugeAreUnlimited) {
  EXPECT_FALSE(parse_limit("max\n").has_value());
  EXPECT_FALSE(parse_limit("9223372036854771712\n").has_value());
  EXPECT_EQ(parse_limit("268435456\n"), 268435456);
  EXPECT_FALSE(parse_limit("").has_value());
}

TEST(StatsCpu, PercentBetweenSamples) {
  ContainerStats before;
  before.running = true;
  before.cpu_ns = 1'000'000'000;
  before.sampled_ns = 10'000'000'000;
  ContainerStats after = before;
  after.cpu_ns = 1'500'000'000;
  after.sampled_ns = 11'000'000'000;
  EXPECT_DOUBLE_EQ(cpu_percent(after, &before), 50.0);
}

TEST(StatsCpu, AverageSinceStart) {
  ContainerStats now;
  now.running = true;
  now.started_ns = 0;
  now.sampled_ns = 4'000'000'000;
  now.cpu_ns = 1'000'000'000;
  EXPECT_DOUBLE_EQ(average_cpu_percent(now), 25.0);
  EXPECT_DOUBLE_EQ(cpu_percent(now, nullptr), 25.0);
}

TEST(StatsCpu, StoppedIsZero) {
  ContainerStats now;
  now.cpu_ns = 5;
  now.sampled_ns = 10;
  EXPECT_DOUBLE_EQ(average_cpu_percent(now), 0.0);
}

}  // namespace
}  // namespace berth::container
