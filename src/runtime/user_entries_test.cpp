#include <gtest/gtest.h>
#include <unistd.h>

#include "os/file.hpp"
#include "runtime/spec.hpp"

namespace berth::runtime {
namespace {

// A root file system in a temporary directory with etc/passwd and etc/group.
class IdEntriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/berth-id-entries-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    root_ = dir_template;
    os::make_dirs(root_ + "/etc");
    os::write_file_atomic(root_ + "/etc/passwd",
                          "root:x:0:0:root:/root:/bin/sh\n"
                          "app:x:1000:1001:App:/home/app:/bin/sh\n");
    os::write_file_atomic(root_ + "/etc/group", "root:x:0:\napp:x:1001:\nstaff:x:50:\n");
  }
  void TearDown() override { os::remove_all(root_); }

  std::string root_;
};

TEST_F(IdEntriesTest, UnknownUidGetsBothLines) {
  auto entries = missing_id_entries(root_, "4242", "/");
  EXPECT_EQ(entries.passwd_line, "4242:*:4242:0:container user:/:/bin/sh\n");
  EXPECT_EQ(entries.group_line, "4242:x:4242:4242\n");
  EXPECT_EQ(entries.passwd_text.substr(0, 5), "root:");
  EXPECT_EQ(entries.group_text.substr(0, 5), "root:");
}

TEST_F(IdEntriesTest, GroupAndHomeFromTheRequest) {
  auto numeric = missing_id_entries(root_, "4242:77", "/work");
  EXPECT_EQ(numeric.passwd_line, "4242:*:4242:77:container user:/work:/bin/sh\n");
  EXPECT_EQ(numeric.group_line, "77:x:77:4242\n");
  auto named = missing_id_entries(root_, "4242:staff", "/");
  EXPECT_EQ(named.passwd_line, "4242:*:4242:50:container user:/:/bin/sh\n");
  EXPECT_EQ(named.group_line, "") << "a group name is never added";
}

TEST_F(IdEntriesTest, KnownIdsAndNamesGetNone) {
  auto known = missing_id_entries(root_, "1000:1001", "/");
  EXPECT_EQ(known.passwd_line, "");
  EXPECT_EQ(known.group_line, "");
  auto name = missing_id_entries(root_, "app", "/");
  EXPECT_EQ(name.passwd_line, "");
  EXPECT_EQ(name.group_line, "");
  auto root_with_new_group = missing_id_entries(root_, "0:3000", "/");
  EXPECT_EQ(root_with_new_group.passwd_line, "");
  EXPECT_EQ(root_with_new_group.group_line, "3000:x:3000:0\n");
}

TEST_F(IdEntriesTest, ImageWithoutFiles) {
  os::remove_all(root_ + "/etc");
  auto entries = missing_id_entries(root_, "1000", "/");
  EXPECT_EQ(entries.passwd_text, "");
  EXPECT_EQ(entries.group_text, "");
  EXPECT_EQ(entries.passwd_line, "1000:*:1000:0:container user:/:/bin/sh\n");
}

TEST_F(IdEntriesTest, ExistsInRootSeesFiles) {
  EXPECT_TRUE(exists_in_root(root_, "/etc/passwd"));
  EXPECT_TRUE(exists_in_root(root_, "/etc"));
  EXPECT_FALSE(exists_in_root(root_, "/etc/shadow"));
}

}  // namespace
}  // namespace berth::runtime
