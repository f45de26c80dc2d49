#include "api/pod_stats.hpp"

#include <gtest/gtest.h>

namespace berth::api {
namespace {

const std::string kPodId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

container::ContainerStats running_sample() {
  container::ContainerStats sample;
  sample.id = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
  sample.name = "web";
  sample.running = true;
  sample.started_ns = 1'000'000'000'000;
  sample.sampled_ns = sample.started_ns + 10'000'000'000;  // 10 s later
  sample.cpu_ns = 2'500'000'000;                           // 2.5 s of CPU
  sample.memory_usage = 1'270'000;
  sample.memory_limit = 8'200'000'000;
  sample.net_input = 1'500;
  sample.net_output = 0;
  sample.block_input = 0;
  sample.block_output = 0;
  sample.pids = 3;
  return sample;
}

TEST(PodStatsReport, KeysInPodmanOrder) {
  auto report = pod_stats_report(kPodId, running_sample(), nullptr);
  std::vector<std::string> keys;
  for (const auto& item : report.items()) keys.push_back(item.key());
  std::vector<std::string> expected = {"CPU",     "MemUsage", "MemUsageBytes", "Mem", "NetIO",
                                       "BlockIO", "PIDS",     "Pod",           "CID", "Name"};
  EXPECT_EQ(keys, expected);
}

TEST(PodStatsReport, RunningMemberValues) {
  auto report = pod_stats_report(kPodId, running_sample(), nullptr);
  EXPECT_EQ(report["CPU"], "25.00%");  // 2.5 s of CPU over 10 s since the start
  EXPECT_EQ(report["MemUsage"], "1.27MB / 8.2GB");
  EXPECT_EQ(report["MemUsageBytes"], "1.211MiB / 7.637GiB");
  EXPECT_EQ(report["Mem"], "0.02%");
  EXPECT_EQ(report["NetIO"], "1.5kB / 0B");
  EXPECT_EQ(report["BlockIO"], "-- / --");
  EXPECT_EQ(report["PIDS"], "3");
  EXPECT_EQ(report["Pod"], "0123456789ab");
  EXPECT_EQ(report["CID"], "fedcba987654");
  EXPECT_EQ(report["Name"], "web");
}

TEST(PodStatsReport, CpuBetweenTwoSamples) {
  auto before = running_sample();
  auto now = before;
  now.sampled_ns += 1'000'000'000;
  now.cpu_ns += 500'000'000;
  EXPECT_EQ(pod_stats_report(kPodId, now, &before)["CPU"], "50.00%");
}

TEST(PodStatsReport, StoppedMemberShowsDashes) {
  container::ContainerStats sample;
  sample.id = running_sample().id;
  sample.name = "idle";
  auto report = pod_stats_report(kPodId, sample, nullptr);
  EXPECT_EQ(report["CPU"], "--");
  EXPECT_EQ(report["MemUsage"], "-- / --");
  EXPECT_EQ(report["MemUsageBytes"], "-- / --");
  EXPECT_EQ(report["Mem"], "--");
  EXPECT_EQ(report["NetIO"], "-- / --");
  EXPECT_EQ(report["BlockIO"], "-- / --");
  EXPECT_EQ(report["PIDS"], "--");
  EXPECT_EQ(report["Name"], "idle");
}

}  // namespace
}  // namespace berth::api
