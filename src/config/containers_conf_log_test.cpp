#include <gtest/gtest.h>

#include "common/error.hpp"
#include "config/containers_conf.hpp"

namespace berth::config {
namespace {

TEST(ContainersConfLog, ReadsLogKeys) {
  auto conf = ContainersConf::parse(R"(
[containers]
log_driver = "journald"
log_size_max = 1000
log_tag = "{{.Name}}"
)",
                                    "test.conf");
  EXPECT_EQ(conf.log_driver, "journald");
  EXPECT_EQ(conf.log_size_max, 1000);
  EXPECT_EQ(conf.log_tag, "{{.Name}}");
}

TEST(ContainersConfLog, LaterFileOverrides) {
  auto conf = ContainersConf::parse("[containers]\nlog_driver = \"none\"\nlog_tag = \"a\"\n", "a");
  conf.merge(ContainersConf::parse("[containers]\nlog_driver = \"k8s-file\"\n", "b"));
  EXPECT_EQ(conf.log_driver, "k8s-file");
  EXPECT_EQ(conf.log_tag, "a");
  EXPECT_FALSE(conf.log_size_max);
}

TEST(ContainersConfLog, WrongTypesNameTheKey) {
  try {
    ContainersConf::parse("[containers]\nlog_size_max = \"big\"\n", "x.conf");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("containers.log_size_max"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ContainersConf::parse("[containers]\nlog_driver = 1\n", "x.conf"), Error);
}

}  // namespace
}  // namespace berth::config
