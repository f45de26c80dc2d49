#include "secret/secret_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::secret {
namespace {

class SecretStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-secret-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = std::make_unique<state::Database>(dir_ + "/state.db");
    store_ = std::make_unique<SecretStore>(*db_, dir_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  CreateOptions options(const std::string& name, const std::string& data) {
    CreateOptions o;
    o.name = name;
    o.data = data;
    return o;
  }
  ErrorCode code_of(const std::function<void()>& body) {
    try {
      body();
    } catch (const Error& e) {
      return e.code();
    }
    ADD_FAILURE() << "no error thrown";
    return ErrorCode::kInternal;
  }
  std::string dir_;
  std::unique_ptr<state::Database> db_;
  std::unique_ptr<SecretStore> store_;
};

TEST_F(SecretStoreTest, CreateKeepsDataInAPrivateFile) {
  auto o = options("token", "hunter2");
  o.labels = {"team=a", "bare"};
  auto record = store_->create(o);
  EXPECT_EQ(record.id.size(), 25u);
  EXPECT_EQ(record.id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(record.labels), (nlohmann::json{{"team", "a"}, {"bare", ""}}));
  EXPECT_EQ(nlohmann::json::parse(record.driver_options)["path"], store_->data_dir());
  std::string path = store_->data_dir() + "/" + record.id;
  EXPECT_EQ(os::read_file(path), "hunter2");
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat(store_->data_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(store_->data(record), "hunter2");
}

TEST_F(SecretStoreTest, FindsByNameIdAndUniquePrefix) {
  // Names with letters beyond f, so that no ID prefix equals a name.
  auto first = store_->create(options("first", "1"));
  auto second = store_->create(options("second", "2"));
  EXPECT_EQ(store_->require("first").id, first.id);
  EXPECT_EQ(store_->require(second.id).name, "second");
  // A prefix long enough to tell them apart finds one.
  std::size_t n = 0;
  while (first.id[n] == second.id[n]) ++n;
  EXPECT_EQ(store_->require(first.id.substr(0, n + 1)).name, "first");
  EXPECT_FALSE(store_->find("zz"));
  EXPECT_FALSE(store_->find(""));
  EXPECT_EQ(code_of([&] { store_->require("zz"); }), ErrorCode::kNotFound);
}

TEST_F(SecretStoreTest, NameInUseFailsAndLeavesNoData) {
  store_->create(options("dup", "1"));
  EXPECT_EQ(code_of([&] { store_->create(options("dup", "2")); }), ErrorCode::kAlreadyExists);
  EXPECT_EQ(db_->list_secrets().size(), 1u);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(store_->data_dir())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(store_->data(store_->require("dup")), "1");
}

TEST_F(SecretStoreTest, ReplaceKeepsIdAndChangesData) {
  auto first = store_->create(options("r", "old"));
  auto o = options("r", "new");
  o.replace = true;
  o.labels = {"x=y"};
  auto second = store_->create(o);
  EXPECT_EQ(second.id, first.id);
  EXPECT_EQ(second.created_ns, first.created_ns);
  EXPECT_GE(second.updated_ns, first.updated_ns);
  EXPECT_EQ(store_->data(store_->require("r")), "new");
  EXPECT_EQ(nlohmann::json::parse(store_->require("r").labels)["x"], "y");
}

TEST_F(SecretStoreTest, RejectsBadNamesDriversAndSizes) {
  const std::vector<std::string> bad = {"", "_a", "-a", "a-", "a.", "a b", "a/b",
                                        std::string(65, 'a')};
  for (const auto& name : bad) {
    EXPECT_EQ(code_of([&] { store_->create(options(name, "x")); }),
              ErrorCode::kInvalidArgument)
        << name;
  }
  EXPECT_NO_THROW(store_->create(options(std::string(64, 'a'), "x")));
  EXPECT_NO_THROW(store_->create(options("a_", "x")));
  EXPECT_EQ(code_of([&] { store_->create(options("empty", "")); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { store_->create(options("big", std::string(kMaxDataSize + 1, 'x'))); }),
            ErrorCode::kInvalidArgument);
  EXPECT_NO_THROW(store_->create(options("max", std::string(kMaxDataSize, 'x'))));
  auto o = options("pass", "x");
  o.driver = "pass";
  EXPECT_EQ(code_of([&] { store_->create(o); }), ErrorCode::kInvalidArgument);
  o.driver = "file";
  o.driver_options = {"novalue"};
  EXPECT_EQ(code_of([&] { store_->create(o); }), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->find("pass"));
}

TEST_F(SecretStoreTest, RemoveDeletesRecordAndData) {
  auto record = store_->create(options("gone", "x"));
  store_->remove(record);
  EXPECT_FALSE(store_->find("gone"));
  EXPECT_FALSE(os::path_exists(store_->data_dir() + "/" + record.id));
}

}  // namespace
}  // namespace berth::secret
