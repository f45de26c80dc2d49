#include <gtest/gtest.h>

#include "common/error.hpp"
#include "config/containers_conf.hpp"

namespace berth::config {
namespace {

TEST(ContainersConfDetachKeys, ReadsEngineKey) {
  auto conf = ContainersConf::parse("[engine]\ndetach_keys = \"ctrl-a,d\"\n", "a.conf");
  ASSERT_TRUE(conf.detach_keys);
  EXPECT_EQ(*conf.detach_keys, "ctrl-a,d");
}

TEST(ContainersConfDetachKeys, UnsetAndEmptyDiffer) {
  auto unset = ContainersConf::parse("[engine]\n", "a.conf");
  EXPECT_FALSE(unset.detach_keys);
  auto empty = ContainersConf::parse("[engine]\ndetach_keys = \"\"\n", "a.conf");
  ASSERT_TRUE(empty.detach_keys);
  EXPECT_EQ(*empty.detach_keys, "");
}

TEST(ContainersConfDetachKeys, LaterFileOverrides) {
  auto conf = ContainersConf::parse("[engine]\ndetach_keys = \"ctrl-a\"\n", "a.conf");
  conf.merge(ContainersConf::parse("[engine]\nretry = 1\n", "b.conf"));
  ASSERT_TRUE(conf.detach_keys);
  EXPECT_EQ(*conf.detach_keys, "ctrl-a");
  conf.merge(ContainersConf::parse("[engine]\ndetach_keys = \"ctrl-b\"\n", "c.conf"));
  EXPECT_EQ(*conf.detach_keys, "ctrl-b");
}

TEST(ContainersConfDetachKeys, NonStringNamesFileAndKey) {
  try {
    ContainersConf::parse("[engine]\ndetach_keys = 5\n", "x.conf");
    FAIL() << "accepted a number";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(std::string(e.what()),
              "parsing x.conf: field \"engine.detach_keys\" must be a string such as "
              "\"ctrl-p,ctrl-q\"");
  }
}

}  // namespace
}  // namespace berth::config
