#include "container/log_config.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::container {
namespace {

TEST(LogSize, ParsesDecimalUnits) {
  EXPECT_EQ(parse_log_size("100"), 100);
  EXPECT_EQ(parse_log_size("1k"), 1000);
  EXPECT_EQ(parse_log_size("1kb"), 1000);
  EXPECT_EQ(parse_log_size("1.5KiB"), 1500);
  EXPECT_EQ(parse_log_size("10m"), 10'000'000);
  EXPECT_EQ(parse_log_size("2 GB"), 2'000'000'000);
}

TEST(LogSize, RejectsBadText) {
  for (const char* text : {"abc", "", "-1", "1x", "1.2.3", ".5k", "1kk"}) {
    EXPECT_THROW(parse_log_size(text), Error) << text;
  }
}

TEST(LogSize, FormatsAsPodmanInspect) {
  EXPECT_EQ(format_log_size(-1), "0B");
  EXPECT_EQ(format_log_size(100), "100B");
  EXPECT_EQ(format_log_size(1000), "1kB");
  EXPECT_EQ(format_log_size(1500), "1.5kB");
  EXPECT_EQ(format_log_size(12'345'678), "12.35MB");
}

TEST(LogConfigParse, DefaultsAndOptions) {
  LogConfig defaults;
  auto config = parse_log_config("", {}, defaults);
  EXPECT_EQ(config.driver, "k8s-file");
  EXPECT_EQ(config.max_size, -1);

  config = parse_log_config("json-file", {"max-size=1k", "tag={{.Name}}", "path=/tmp/a/../b.log",
                                          "other=ignored"},
                            defaults);
  EXPECT_EQ(config.driver, "json-file");
  EXPECT_TRUE(config.writes_file());
  EXPECT_EQ(config.max_size, 1000);
  EXPECT_EQ(config.tag, "{{.Name}}");
  EXPECT_EQ(config.path, "/tmp/b.log");
}

TEST(LogConfigParse, ContainersConfDefaultDriver) {
  LogConfig defaults;
  defaults.driver = "journald";
  EXPECT_EQ(parse_log_config("", {}, defaults).driver, "journald");
  EXPECT_EQ(parse_log_config("none", {}, defaults).driver, "none");
}

TEST(LogConfigParse, RejectsBadValues) {
  LogConfig defaults;
  try {
    parse_log_config("foo", {}, defaults);
    FAIL() << "no error for driver foo";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"foo\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_log_config("", {"bogus"}, defaults), Error);
  EXPECT_THROW(parse_log_config("", {"max-size=abc"}, defaults), Error);
  EXPECT_THROW(parse_log_config("", {"path="}, defaults), Error);
}

TEST(LogConfigParse, ReadableDrivers) {
  LogConfig config;
  for (const char* driver : {"k8s-file", "json-file", "journald"}) {
    config.driver = driver;
    EXPECT_TRUE(config.readable()) << driver;
  }
  for (const char* driver : {"none", "passthrough"}) {
    config.driver = driver;
    EXPECT_FALSE(config.readable()) << driver;
  }
}

TEST(LogConfigJson, RoundTrip) {
  LogConfig config;
  config.driver = "journald";
  config.path = "/x";
  config.max_size = 5;
  config.tag = "t";
  auto back = nlohmann::json(config).get<LogConfig>();
  EXPECT_EQ(back.driver, "journald");
  EXPECT_EQ(back.path, "/x");
  EXPECT_EQ(back.max_size, 5);
  EXPECT_EQ(back.tag, "t");
  auto empty = nlohmann::json::object().get<LogConfig>();
  EXPECT_EQ(empty.driver, "k8s-file");
  EXPECT_EQ(empty.max_size, -1);
}

}  // namespace
}  // namespace berth::container
