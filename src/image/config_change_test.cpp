#include "image/config_change.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::image {
namespace {

using nlohmann::json;

json applied(const std::vector<std::string>& changes, json config = json::object()) {
  apply_config_changes(config, changes);
  return config;
}

// Returns the message of the Error that applying change throws, or "" when
// it throws none.
std::string error_of(const std::string& change) {
  json config = json::object();
  try {
    apply_config_change(config, change);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << change;
    return e.what();
  }
  return "";
}

TEST(ConfigChange, CmdExecAndShellForms) {
  EXPECT_EQ(applied({R"(CMD ["/bin/echo", "hi"])"})["Cmd"], json({"/bin/echo", "hi"}));
  EXPECT_EQ(applied({"CMD echo hi there"})["Cmd"], json({"/bin/sh", "-c", "echo hi there"}));
  EXPECT_EQ(applied({"CMD=/bin/bash"})["Cmd"], json({"/bin/sh", "-c", "/bin/bash"}));
  // Not a string array: taken as a shell command, as Docker does.
  EXPECT_EQ(applied({"CMD [1, 2]"})["Cmd"], json({"/bin/sh", "-c", "[1, 2]"}));
}

TEST(ConfigChange, EntrypointAndLowercaseWord) {
  EXPECT_EQ(applied({R"(entrypoint ["/bin/sh","-c"])"})["Entrypoint"], json({"/bin/sh", "-c"}));
  EXPECT_EQ(applied({"ENTRYPOINT top -b"})["Entrypoint"], json({"/bin/sh", "-c", "top -b"}));
}

TEST(ConfigChange, EnvPairsQuotesAndReplace) {
  json config = {{"Env", {"PATH=/bin", "A=old"}}};
  auto result = applied({R"(ENV A=1 B="two words" C=a\ b D='x y')"}, config);
  EXPECT_EQ(result["Env"], json({"PATH=/bin", "A=1", "B=two words", "C=a b", "D=x y"}));
}

TEST(ConfigChange, EnvSinglePairAndEqualsSyntax) {
  EXPECT_EQ(applied({"ENV GREETING hello world"})["Env"], json({"GREETING=hello world"}));
  EXPECT_EQ(applied({"ENV=X=1"})["Env"], json({"X=1"}));
  EXPECT_EQ(applied({"ENV EMPTY="})["Env"], json({"EMPTY="}));
}

TEST(ConfigChange, LabelPairs) {
  json config = {{"Labels", {{"keep", "me"}}}};
  auto result = applied({"LABEL=blue=image", R"(LABEL "a b"=c version=2)"}, config);
  EXPECT_EQ(result["Labels"],
            json({{"keep", "me"}, {"blue", "image"}, {"a b", "c"}, {"version", "2"}}));
}

TEST(ConfigChange, ExposePortsProtocolsRanges) {
  auto result = applied({"EXPOSE 80 53/udp 8000-8002/TCP"});
  json expected = {{"80/tcp", json::object()},
                   {"53/udp", json::object()},
                   {"8000/tcp", json::object()},
                   {"8001/tcp", json::object()},
                   {"8002/tcp", json::object()}};
  EXPECT_EQ(result["ExposedPorts"], expected);
}

TEST(ConfigChange, WorkdirAbsoluteAndRelative) {
  EXPECT_EQ(applied({"WORKDIR /srv/app/"})["WorkingDir"], "/srv/app");
  EXPECT_EQ(applied({"WORKDIR sub"})["WorkingDir"], "/sub");
  EXPECT_EQ(applied({"WORKDIR /a", "WORKDIR b/../c"})["WorkingDir"], "/a/c");
  EXPECT_EQ(applied({"WORKDIR x"}, {{"WorkingDir", "/tmp"}})["WorkingDir"], "/tmp/x");
}

TEST(ConfigChange, UserStopSignalVolumeOnbuild) {
  auto result = applied({"USER nobody:nogroup", "STOPSIGNAL SIGINT", "VOLUME /data /logs",
                         R"(VOLUME ["/cache"])", "ONBUILD RUN make"});
  EXPECT_EQ(result["User"], "nobody:nogroup");
  EXPECT_EQ(result["StopSignal"], "SIGINT");
  EXPECT_EQ(
      result["Volumes"],
      json({{"/data", json::object()}, {"/logs", json::object()}, {"/cache", json::object()}}));
  EXPECT_EQ(result["OnBuild"], json({"RUN make"}));
}

TEST(ConfigChange, UnknownInstructionListsSupported) {
  std::string message = error_of("RUN ls");
  EXPECT_NE(message.find("invalid change \"RUN ls\""), std::string::npos) << message;
  EXPECT_NE(message.find("unknown instruction \"RUN\""), std::string::npos) << message;
  EXPECT_NE(message.find("CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME "
                         "or WORKDIR"),
            std::string::npos)
      << message;
  EXPECT_NE(error_of("FROM busybox"), "");
  EXPECT_NE(error_of("CM ls"), "") << "a prefix of an instruction is no instruction";
}

TEST(ConfigChange, InvalidValuesRejected) {
  const std::vector<std::string> bad = {
      "",         "CMD",        "ENV",          "ENV =x",         "ENV A=1 B",      "ENV A",
      "LABEL",    "EXPOSE 0",   "EXPOSE 70000", "EXPOSE http",    "EXPOSE 80/icmp", "EXPOSE 90-80",
      "USER a b", "STOPSIGNAL", "WORKDIR",      "ONBUILD FROM x", "ENV A=\"open",   "VOLUME",
  };
  for (const auto& change : bad) EXPECT_NE(error_of(change), "") << change;
  EXPECT_NE(error_of("EXPOSE 70000").find("1 to 65535"), std::string::npos);
  EXPECT_NE(error_of("CMD").find("CMD needs a value"), std::string::npos);
}

TEST(ConfigChange, FailureLeavesConfigUnchanged) {
  json config = {{"Env", {"A=1"}}};
  json before = config;
  EXPECT_THROW(apply_config_changes(config, {"ENV B=2", "EXPOSE nope"}), Error);
  EXPECT_EQ(config, before);
}

}  // namespace
}  // namespace berth::image
