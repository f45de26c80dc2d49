#include "network/aardvark.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::network {
namespace {

TEST(DnsNetworkFile, WritesAardvarkFormat) {
  DnsNetworkFile file;
  file.listen_ips = {"10.89.0.1"};
  file.entries.push_back({"abc", "10.89.0.2", {"web", "abc123", "www"}});
  file.entries.push_back({"def", "10.89.0.3", {"db"}});
  EXPECT_EQ(file.to_text(), "10.89.0.1\nabc 10.89.0.2  web,abc123,www\ndef 10.89.0.3  db\n");
}

TEST(DnsNetworkFile, ParsesWhatItWrites) {
  DnsNetworkFile file;
  file.listen_ips = {"10.89.0.1"};
  file.entries.push_back({"abc", "10.89.0.2", {"web", "abc123"}});
  DnsNetworkFile parsed = DnsNetworkFile::parse(file.to_text());
  EXPECT_EQ(parsed.listen_ips, file.listen_ips);
  EXPECT_EQ(parsed.entries, file.entries);
}

TEST(DnsNetworkFile, DropsDamagedLines) {
  DnsNetworkFile parsed =
      DnsNetworkFile::parse("10.89.0.1,fd00::1\nabc 10.89.0.2\n\ndef 10.89.0.3 fd00::3 db\n");
  EXPECT_EQ(parsed.listen_ips, (std::vector<std::string>{"10.89.0.1", "fd00::1"}));
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_EQ(parsed.entries[0].container_id, "def");
  EXPECT_EQ(parsed.entries[0].names, std::vector<std::string>{"db"});
}

// A run directory under /tmp, removed at the end; a server it started is stopped.
class AardvarkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/berth-aardvark-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    run_dir_ = dir_template;
    os::make_dirs(run_dir_ + "/netns");
  }
  void TearDown() override {
    if (binary_) {
      Aardvark dns(run_dir_, *binary_, kPort);
      if (auto pid = dns.running_pid()) ::kill(*pid, SIGKILL);
    }
    std::filesystem::remove_all(run_dir_);
  }
  // Makes the container look alive: its namespace file exists.
  void add_netns(const std::string& id) {
    os::write_file_atomic(run_dir_ + "/netns/" + id, "", 0644, os::Durability::kVolatile);
  }

  static constexpr int kPort = 15353;
  std::string run_dir_;
  std::optional<std::string> binary_ = Aardvark::find_binary();
};

TEST_F(AardvarkTest, RemoveWithoutFileDoesNothing) {
  Aardvark dns(run_dir_, "/nonexistent/aardvark-dns", kPort);
  dns.remove("net1", "abc");
  EXPECT_FALSE(os::path_exists(dns.config_dir() + "/net1"));
}

TEST_F(AardvarkTest, StartFailureNamesProgram) {
  Aardvark dns(run_dir_, "/bin/false", kPort);
  add_netns("abc");
  try {
    dns.add("net1", "127.0.0.1", {"abc", "127.0.0.2", {"web"}});
    FAIL() << "add with a server that cannot start succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("aardvark-dns failed to start"), std::string::npos)
        << e.what();
  }
}

TEST_F(AardvarkTest, ServerFollowsEntries) {
  if (!binary_) GTEST_SKIP() << "aardvark-dns is not installed";
  Aardvark dns(run_dir_, *binary_, kPort);
  add_netns("abc");
  add_netns("def");
  dns.add("net1", "127.0.0.1", {"abc", "127.0.0.2", {"web"}});
  auto first = dns.running_pid();
  ASSERT_TRUE(first.has_value());
  dns.add("net1", "127.0.0.1", {"def", "127.0.0.3", {"db"}});
  EXPECT_EQ(dns.running_pid(), first) << "a second entry must reload, not restart";
  auto text = os::read_file(dns.config_dir() + "/net1");
  EXPECT_EQ(text, "127.0.0.1\nabc 127.0.0.2  web\ndef 127.0.0.3  db\n");

  dns.remove("net1", "abc");
  EXPECT_EQ(os::read_file(dns.config_dir() + "/net1"), "127.0.0.1\ndef 127.0.0.3  db\n");
  dns.remove("net1", "def");
  EXPECT_FALSE(os::path_exists(dns.config_dir() + "/net1"));
  EXPECT_FALSE(dns.running_pid().has_value()) << "the server must stop with no network left";
}

TEST_F(AardvarkTest, StaleEntriesAndPidFileAreRepaired) {
  if (!binary_) GTEST_SKIP() << "aardvark-dns is not installed";
  Aardvark dns(run_dir_, *binary_, kPort);
  add_netns("abc");
  dns.add("net1", "127.0.0.1", {"abc", "127.0.0.2", {"web"}});
  auto first = dns.running_pid();
  ASSERT_TRUE(first.has_value());
  // The container vanished without cleanup, and the server was killed.
  std::filesystem::remove(run_dir_ + "/netns/abc");
  ASSERT_EQ(::kill(*first, SIGKILL), 0);
  for (int i = 0; i < 100 && dns.running_pid(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(dns.running_pid().has_value());

  add_netns("def");
  dns.add("net2", "127.0.0.1", {"def", "127.0.0.3", {"db"}});
  EXPECT_TRUE(dns.running_pid().has_value());
  EXPECT_FALSE(os::path_exists(dns.config_dir() + "/net1")) << "stale entry kept";
  EXPECT_EQ(os::read_file(dns.config_dir() + "/net2"), "127.0.0.1\ndef 127.0.0.3  db\n");
}

TEST_F(AardvarkTest, RejectsNameWithSeparator) {
  Aardvark dns(run_dir_, "/bin/false", kPort);
  EXPECT_THROW(dns.add("net1", "127.0.0.1", {"abc", "127.0.0.2", {"a,b"}}), Error);
  EXPECT_THROW(dns.add("../x", "127.0.0.1", {"abc", "127.0.0.2", {"a"}}), Error);
}

}  // namespace
}  // namespace berth::network
