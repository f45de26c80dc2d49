#include "api/build_query.hpp"

#include <gtest/gtest.h>

#include "build/step_error.hpp"
#include "common/error.hpp"

namespace berth::api {
namespace {

// Returns the query string with its values percent-encoded where needed.
Query query(const std::string& text) { return Query(text); }

TEST(BuildQuery, DockerCliDefaults) {
  // What Docker's CLI 20.10 sends for `docker build -t a -t b:1 .`.
  auto request = parse_build_query(
      query("buildargs=%7B%7D&cachefrom=%5B%5D&cgroupparent=&cpuperiod=0&dockerfile=Dockerfile"
            "&labels=%7B%7D&memory=0&networkmode=default&rm=1&shmsize=0&t=a&t=b%3A1&target="
            "&ulimits=null&version=1"),
      false, "/ctx");
  EXPECT_EQ(request.context_dir, "/ctx");
  EXPECT_EQ(request.containerfile, "/ctx/Dockerfile");
  EXPECT_EQ(request.tags, (std::vector<std::string>{"a", "b:1"}));
  EXPECT_TRUE(request.build_args.empty());
  EXPECT_TRUE(request.labels.empty());
  EXPECT_EQ(request.network, "");
  EXPECT_TRUE(request.remove);
  EXPECT_FALSE(request.force_rm);
  EXPECT_FALSE(request.quiet);
  EXPECT_TRUE(request.layers);
  EXPECT_EQ(request.pull_policy, "missing");
  EXPECT_EQ(request.format, "docker");
}

TEST(BuildQuery, LibpodParameters) {
  auto request = parse_build_query(
      query("dockerfile=%5B%22sub%2FContainerfile%22%5D&buildargs=%7B%22A%22%3A%221%22%7D"
            "&labels=%7B%22k%22%3A%22v%22%7D&annotations=%5B%22a%3Db%22%5D&target=final"
            "&nocache=1&pullpolicy=never&q=true&rm=false&forcerm=1&layers=false"
            "&outputformat=application%2Fvnd.docker.distribution.manifest.v2%2Bjson"
            "&networkmode=host&platform=linux%2Famd64&squash=1"),
      true, "/ctx");
  EXPECT_EQ(request.containerfile, "/ctx/sub/Containerfile");
  EXPECT_EQ(request.build_args.at("A"), "1");
  EXPECT_EQ(request.labels, (std::vector<std::string>{"k=v"}));
  EXPECT_EQ(request.annotations, (std::vector<std::string>{"a=b"}));
  EXPECT_EQ(request.target, "final");
  EXPECT_TRUE(request.no_cache);
  EXPECT_EQ(request.pull_policy, "never");
  EXPECT_TRUE(request.quiet);
  EXPECT_FALSE(request.remove);
  EXPECT_TRUE(request.force_rm);
  EXPECT_FALSE(request.layers);
  EXPECT_EQ(request.format, "docker");
  EXPECT_EQ(request.network, "host");
  EXPECT_EQ(request.platform, "linux/amd64");
  EXPECT_TRUE(request.squash);
}

TEST(BuildQuery, Podman43Query) {
  // Part of what `podman --url build -t foo .` sends in Podman 4.3.
  auto request = parse_build_query(
      query("dockerfile=%5B%22Dockerfile%22%5D&forcerm=1&layers=1&networkmode=0"
            "&outputformat=application%2Fvnd.oci.image.manifest.v1%2Bjson&platform=%2F"
            "&pullpolicy=never&rm=1&t=foo"),
      true, "/ctx");
  EXPECT_EQ(request.containerfile, "/ctx/Dockerfile");
  EXPECT_EQ(request.network, "");
  EXPECT_EQ(request.platform, "");
  EXPECT_EQ(request.pull_policy, "never");
  EXPECT_EQ(request.format, "oci");
  EXPECT_EQ(request.tags, (std::vector<std::string>{"foo"}));
  EXPECT_EQ(parse_build_query(query("networkmode=1"), true, "/c").network, "none");
}

TEST(BuildQuery, LibpodDefaults) {
  auto request = parse_build_query(query(""), true, "/ctx");
  EXPECT_EQ(request.containerfile, "");
  EXPECT_EQ(request.format, "oci");
  EXPECT_TRUE(request.layers);
  EXPECT_EQ(request.pull_policy, "missing");
}

TEST(BuildQuery, PullAsBooleanOrPolicy) {
  EXPECT_EQ(parse_build_query(query("pull=1"), false, "/c").pull_policy, "always");
  EXPECT_EQ(parse_build_query(query("pull=false"), false, "/c").pull_policy, "missing");
  EXPECT_EQ(parse_build_query(query("pull=never"), true, "/c").pull_policy, "never");
  EXPECT_EQ(parse_build_query(query("pull=1&pullpolicy=newer"), true, "/c").pull_policy,
            "newer");
  EXPECT_THROW(parse_build_query(query("pullpolicy=sometimes"), true, "/c"), Error);
}

TEST(BuildQuery, DockerfileMustStayInContext) {
  EXPECT_EQ(parse_build_query(query("dockerfile=a%2F..%2FDockerfile"), false, "/c").containerfile,
            "/c/Dockerfile");
  try {
    parse_build_query(query("dockerfile=..%2Fetc%2Fpasswd"), false, "/c");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("../etc/passwd"), std::string::npos);
  }
  EXPECT_THROW(parse_build_query(query("dockerfile=%5B%22a%22%2C%22b%22%5D"), true, "/c"),
               Error);
}

TEST(BuildQuery, RejectsMalformedJsonAndRemote) {
  EXPECT_THROW(parse_build_query(query("buildargs=%7Bnot"), false, "/c"), Error);
  EXPECT_THROW(parse_build_query(query("buildargs=%5B1%5D"), false, "/c"), Error);
  EXPECT_THROW(parse_build_query(query("labels=%7B%22a%22%3A1%7D"), false, "/c"), Error);
  EXPECT_THROW(parse_build_query(query("remote=https%3A%2F%2Fexample.com%2Fx.git"), false, "/c"),
               Error);
  EXPECT_THROW(parse_build_query(query("format=tar"), true, "/c"), Error);
}

TEST(BuildQuery, NullBuildArgIsSkipped) {
  auto request = parse_build_query(query("buildargs=%7B%22A%22%3Anull%7D"), false, "/c");
  EXPECT_TRUE(request.build_args.empty());
}

TEST(BuildErrorLine, CarriesCodeAndExitStatus) {
  auto line = build_error_line(Error(ErrorCode::kNotFound, "no such file"));
  EXPECT_EQ(line["error"], "no such file");
  EXPECT_EQ(line["errorDetail"]["message"], "no such file");
  EXPECT_EQ(line["berth_code"], std::string(error_code_name(ErrorCode::kNotFound)));
  EXPECT_FALSE(line.contains("berth_exit_status"));

  auto step = build_error_line(build::RunStepFailed("RUN exit 3 failed", 3));
  EXPECT_EQ(step["berth_exit_status"], 3);
  EXPECT_EQ(step["errorDetail"]["code"], 3);
  EXPECT_EQ(step["errorDetail"]["message"], "RUN exit 3 failed");
}

TEST(BuildErrorLine, HidesTheScratchDirectory) {
  auto line = build_error_line(Error(ErrorCode::kNotFound,
                                     "reading \"/scratch/ctx-1/sub/Nope\": no such file; no "
                                     "Containerfile in \"/scratch/ctx-1\" (/scratch/ctx-1)"),
                               "/scratch/ctx-1");
  EXPECT_EQ(line["error"],
            "reading \"sub/Nope\": no such file; no Containerfile in the build context (the "
            "build context)");
  EXPECT_EQ(line["errorDetail"]["message"], line["error"]);
}

TEST(BuildQuery, BadTagRejected) {
  EXPECT_THROW(parse_build_query(query("t=BAD:TAG:x"), false, "/ctx"), Error);
}

}  // namespace
}  // namespace berth::api
