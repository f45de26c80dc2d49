#include "engine/remote_connections.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::engine {
namespace {

TEST(ConnectionsFile, EmptyTextHasNoConnections) {
  auto file = ConnectionsFile::parse("", "x.json");
  EXPECT_TRUE(file.connections.empty());
  EXPECT_EQ(file.default_name, "");
}

TEST(ConnectionsFile, ReadsPodmanFormat) {
  auto file = ConnectionsFile::parse(
      R"({"Connection":{"Default":"a","Connections":{"a":{"URI":"ssh://root@h:22/run/p.sock","Identity":"/k"},"b":{"URI":"unix:///run/b.sock","IsMachine":true}}},"Farm":{}})",
      "x.json");
  ASSERT_EQ(file.connections.size(), 2u);
  EXPECT_EQ(file.default_name, "a");
  EXPECT_EQ(file.connections["a"].uri, "ssh://root@h:22/run/p.sock");
  EXPECT_EQ(file.connections["a"].identity, "/k");
  EXPECT_FALSE(file.connections["a"].is_machine);
  EXPECT_EQ(file.connections["b"].identity, "");
  EXPECT_TRUE(file.connections["b"].is_machine);
}

TEST(ConnectionsFile, RoundTripKeepsFarms) {
  auto file = ConnectionsFile::parse(
      R"({"Connection":{"Default":"a","Connections":{"a":{"URI":"unix:///a.sock","Identity":""}}},"Farm":{"Default":"f","List":{"f":["a"]}}})",
      "x.json");
  file.connections["b"] = {"tcp://127.0.0.1:8080", "", false};
  auto again = ConnectionsFile::parse(file.serialize(), "x.json");
  EXPECT_EQ(again.connections.size(), 2u);
  EXPECT_EQ(again.connections["b"].uri, "tcp://127.0.0.1:8080");
  EXPECT_EQ(again.default_name, "a");
  auto document = nlohmann::json::parse(again.serialize());
  EXPECT_EQ(document["Farm"]["Default"], "f");
  EXPECT_EQ(document["Farm"]["List"]["f"][0], "a");
}

TEST(ConnectionsFile, SerializeWithoutConnections) {
  ConnectionsFile file;
  auto document = nlohmann::json::parse(file.serialize());
  EXPECT_TRUE(document["Connection"].is_object());
  EXPECT_TRUE(document["Connection"].empty());
  EXPECT_TRUE(document["Farm"].is_object());
}

TEST(ConnectionsFile, RejectsMalformedFile) {
  for (const char* text : {"[]", "{not json", R"({"Connection":[]})",
                           R"({"Connection":{"Connections":{"a":1}}})",
                           R"({"Connection":{"Default":3}})"}) {
    try {
      ConnectionsFile::parse(text, "/tmp/c.json");
      ADD_FAILURE() << text << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << text;
      EXPECT_NE(std::string(e.what()).find("/tmp/c.json"), std::string::npos) << e.what();
    }
  }
}

TEST(ConnectionsFile, SaveWritesPrivateFile) {
  char dir[] = "/tmp/berth-connections-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/sub/podman-connections.json";
  ConnectionsFile file;
  file.connections["x"] = {"unix:///x.sock", "", false};
  file.default_name = "x";
  file.save(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = ConnectionsFile::load(path);
  EXPECT_EQ(loaded.default_name, "x");
  EXPECT_EQ(loaded.connections["x"].uri, "unix:///x.sock");
  os::remove_all(dir);
}

TEST(ConnectionsFile, MissingFileLoadsEmpty) {
  auto file = ConnectionsFile::load("/nonexistent/berth/podman-connections.json");
  EXPECT_TRUE(file.connections.empty());
}

TEST(ConnectionsFile, PathFollowsEnvironment) {
  ::setenv("PODMAN_CONNECTIONS_CONF", "/tmp/own.json", 1);
  EXPECT_EQ(ConnectionsFile::default_path(), "/tmp/own.json");
  ::unsetenv("PODMAN_CONNECTIONS_CONF");
  ::setenv("XDG_CONFIG_HOME", "/tmp/xdg", 1);
  EXPECT_EQ(ConnectionsFile::default_path(), "/tmp/xdg/containers/podman-connections.json");
  ::unsetenv("XDG_CONFIG_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(ConnectionsFile::default_path(), "/home/u/.config/containers/podman-connections.json");
}

}  // namespace
}  // namespace berth::engine
