#include "config/containers_conf.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::config {
namespace {

TEST(ContainersConf, ReadsEngineTransferKeys) {
  auto conf = ContainersConf::parse(R"(
[containers]
default_ulimits = []
[engine]
runtime = "runc"
image_parallel_copies = 2
retry = 5
retry_delay = "1m30s"
)",
                                    "test.conf");
  EXPECT_EQ(conf.image_parallel_copies, 2u);
  EXPECT_EQ(conf.retry, 5u);
  EXPECT_EQ(conf.retry_delay_ns, 90'000'000'000);
  EXPECT_EQ(parallel_copies(conf), 2u);
}

TEST(ContainersConf, UnsetAndZeroParallelCopiesMeanSix) {
  auto unset = ContainersConf::parse("[engine]\n", "test.conf");
  EXPECT_FALSE(unset.image_parallel_copies);
  EXPECT_FALSE(unset.retry);
  EXPECT_EQ(parallel_copies(unset), 6u);
  auto zero = ContainersConf::parse("[engine]\nimage_parallel_copies = 0\n", "test.conf");
  EXPECT_EQ(parallel_copies(zero), 6u);
}

TEST(ContainersConf, LaterFileOverridesSetKeysOnly) {
  auto conf = ContainersConf::parse("[engine]\nimage_parallel_copies = 3\nretry = 1\n", "a.conf");
  conf.merge(ContainersConf::parse("[engine]\nretry = 0\n", "b.conf"));
  EXPECT_EQ(conf.image_parallel_copies, 3u);
  EXPECT_EQ(conf.retry, 0u);
}

TEST(ContainersConf, DefaultSysctlsAndUlimitsAreStringLists) {
  auto conf = ContainersConf::parse(
      "[containers]\ndefault_sysctls = [\"net.ipv4.ping_group_range=0 0\"]\n", "a.conf");
  ASSERT_TRUE(conf.default_sysctls.has_value());
  EXPECT_EQ(*conf.default_sysctls, std::vector<std::string>{"net.ipv4.ping_group_range=0 0"});
  EXPECT_FALSE(conf.default_ulimits.has_value());
  conf.merge(ContainersConf::parse("[containers]\ndefault_sysctls = []\n", "b.conf"));
  EXPECT_TRUE(conf.default_sysctls->empty()) << "a later file's list replaces the earlier one";
  try {
    ContainersConf::parse("[containers]\ndefault_sysctls = [1]\n", "x.conf");
    FAIL() << "accepted a list of numbers";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "parsing x.conf: field \"containers.default_sysctls\" must be a list of strings");
  }
}

TEST(ContainersConf, WrongTypesNameFileAndKey) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"[engine]\nimage_parallel_copies = \"4\"\n",
                "parsing x.conf: field \"engine.image_parallel_copies\" must be a number from 0 "
                "to 4294967295"},
           Case{"[engine]\nretry = -1\n",
                "parsing x.conf: field \"engine.retry\" must be a number from 0 to 4294967295"},
           Case{"[engine]\nretry_delay = \"soon\"\n",
                "parsing x.conf: engine.retry_delay: time: invalid duration \"soon\""},
           Case{"engine = 1\n", "parsing x.conf: \"engine\" must be a table"},
       }) {
    try {
      ContainersConf::parse(c.text, "x.conf");
      FAIL() << "accepted " << c.text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(std::string(e.what()), c.message);
    }
  }
}

TEST(ContainersConf, LoadReadsOnlyContainersConfEnv) {
  std::string path = ::testing::TempDir() + "berth-containers-conf-test.conf";
  {
    FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("[engine]\nimage_parallel_copies = 9\n", file);
    std::fclose(file);
  }
  ::setenv("CONTAINERS_CONF", path.c_str(), 1);
  auto conf = ContainersConf::load();
  ::unsetenv("CONTAINERS_CONF");
  std::remove(path.c_str());
  EXPECT_EQ(conf.image_parallel_copies, 9u);
}

}  // namespace
}  // namespace berth::config
