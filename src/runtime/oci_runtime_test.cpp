#include "runtime/oci_runtime.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include "common/error.hpp"
#include "os/file.hpp"
#include "os/process.hpp"

namespace berth::runtime {
namespace {

bool have_runtime() { return os::find_in_path("runc") || os::find_in_path("crun"); }

TEST(OciRuntime, DetectAvoidsCrunOnHybridCgroups) {
  if (!have_runtime()) GTEST_SKIP() << "neither runc nor crun is installed";
  OciRuntime runtime = OciRuntime::detect(std::nullopt, "/tmp/berth-state");
  EXPECT_EQ(runtime.root_dir(), "/tmp/berth-state/" + runtime.name());
  if (detect_cgroup_mode() == CgroupMode::kHybrid && os::find_in_path("runc")) {
    EXPECT_EQ(runtime.name(), "runc");
  }
  if (detect_cgroup_mode() != CgroupMode::kHybrid && os::find_in_path("crun")) {
    EXPECT_EQ(runtime.name(), "crun");
  }
}

TEST(OciRuntime, DetectPreferredByName) {
  if (!os::find_in_path("runc")) GTEST_SKIP() << "runc is not installed";
  OciRuntime runtime = OciRuntime::detect("runc", "/tmp/berth-state");
  EXPECT_EQ(runtime.name(), "runc");
  EXPECT_EQ(runtime.path(), *os::find_in_path("runc"));
  EXPECT_EQ(runtime.base_argv(),
            (std::vector<std::string>{runtime.path(), "--root", "/tmp/berth-state/runc"}));
}

TEST(OciRuntime, DetectPreferredByPath) {
  auto path = os::find_in_path("runc");
  if (!path) GTEST_SKIP() << "runc is not installed";
  EXPECT_EQ(OciRuntime::detect(*path, "/tmp/x").name(), "runc");
}

TEST(OciRuntime, DetectMissingPreferred) {
  try {
    OciRuntime::detect("no-such-runtime");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("no-such-runtime"), std::string::npos);
  }
}

TEST(OciRuntime, DefaultStateRootForRoot) {
  if (::geteuid() != 0 || !have_runtime()) GTEST_SKIP() << "needs root and a runtime";
  OciRuntime runtime = OciRuntime::detect();
  EXPECT_EQ(runtime.root_dir(), "/run/berth/" + runtime.name());
}

TEST(OciRuntime, UnknownContainer) {
  if (::geteuid() != 0 || !os::find_in_path("runc")) GTEST_SKIP() << "needs root and runc";
  OciRuntime runtime = OciRuntime::detect("runc", "/tmp/berth-oci-runtime-test");
  EXPECT_FALSE(runtime.state("no-such-container").has_value());
  EXPECT_NO_THROW(runtime.remove("no-such-container", false));
  EXPECT_NO_THROW(runtime.remove("no-such-container", true));
  try {
    runtime.kill("no-such-container", SIGTERM);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  try {
    runtime.pids("no-such-container");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  os::remove_all("/tmp/berth-oci-runtime-test");
}

TEST(CgroupMode, MatchesMounts) {
  CgroupMode mode = detect_cgroup_mode();
  auto mounts = os::run_process({"stat", "-f", "-c", "%T", "/sys/fs/cgroup"});
  if (mounts.out.rfind("cgroup2", 0) == 0) {
    EXPECT_EQ(mode, CgroupMode::kUnified);
  } else {
    EXPECT_NE(mode, CgroupMode::kUnified);
  }
}

}  // namespace
}  // namespace berth::runtime
