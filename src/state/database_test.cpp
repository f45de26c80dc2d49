#include "state/database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/error.hpp"

namespace berth::state {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-db-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = std::make_unique<Database>(dir_ + "/state.db");
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<Database> db_;
};

ImageRecord make_image(const std::string& id, std::vector<std::string> names) {
  ImageRecord image;
  image.id = id;
  image.names = std::move(names);
  image.digest = "sha256:" + std::string(64, 'a');
  image.manifest = "{}";
  image.manifest_type = "application/vnd.oci.image.manifest.v1+json";
  image.config = "{}";
  image.layers = {"sha256:" + std::string(64, 'b')};
  image.created_ns = 5;
  image.size = 100;
  return image;
}

TEST_F(DatabaseTest, ImageRoundTrip) {
  db_->put_image(make_image("img1", {"localhost/a:latest", "localhost/a:v1"}));
  auto image = db_->get_image("img1");
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->names, (std::vector<std::string>{"localhost/a:latest", "localhost/a:v1"}));
  EXPECT_EQ(image->layers.size(), 1u);
  EXPECT_EQ(image->size, 100);
  EXPECT_EQ(db_->image_by_name("localhost/a:v1"), "img1");
}

TEST_F(DatabaseTest, NameMovesToNewImage) {
  db_->put_image(make_image("old", {"localhost/a:latest"}));
  db_->put_image(make_image("new", {"localhost/a:latest"}));
  EXPECT_EQ(db_->image_by_name("localhost/a:latest"), "new");
  EXPECT_TRUE(db_->get_image("old")->names.empty());
}

TEST_F(DatabaseTest, RemoveImageDropsNames) {
  db_->put_image(make_image("img1", {"localhost/a:latest"}));
  db_->remove_image("img1");
  EXPECT_FALSE(db_->get_image("img1").has_value());
  EXPECT_FALSE(db_->image_by_name("localhost/a:latest").has_value());
}

TEST_F(DatabaseTest, ContainerNameConflict) {
  ContainerRecord c;
  c.id = "c1";
  c.name = "web";
  db_->insert_container(c);
  c.id = "c2";
  try {
    db_->insert_container(c);
    FAIL() << "second insert with the same name succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAlreadyExists);
    EXPECT_NE(std::string(e.what()).find("\"web\""), std::string::npos);
  }
  EXPECT_EQ(db_->list_containers().size(), 1u);
}

TEST_F(DatabaseTest, ContainerUpdateAndRemove) {
  ContainerRecord c;
  c.id = "c1";
  c.name = "web";
  db_->insert_container(c);
  c.status = "running";
  c.pid = 42;
  db_->update_container(c);
  auto loaded = db_->container_by_name("web");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->status, "running");
  EXPECT_EQ(loaded->pid, 42);
  db_->remove_container("c1");
  EXPECT_FALSE(db_->get_container("c1").has_value());
}

TEST_F(DatabaseTest, PodRoundTripAndNameConflict) {
  PodRecord pod;
  pod.id = std::string(64, 'p');
  pod.name = "web";
  pod.created_ns = 7;
  pod.infra_id = "infra1";
  pod.config = R"({"share":["ipc","net","uts"]})";
  db_->insert_pod(pod);
  PodRecord other = pod;
  other.id = std::string(64, 'q');
  try {
    db_->insert_pod(other);
    FAIL() << "second pod with the same name was stored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAlreadyExists);
    EXPECT_NE(std::string(e.what()).find("\"web\""), std::string::npos);
  }
  auto loaded = db_->pod_by_name("web");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->id, pod.id);
  EXPECT_EQ(loaded->created_ns, 7);
  EXPECT_EQ(loaded->infra_id, "infra1");
  EXPECT_EQ(loaded->config, pod.config);
  pod.infra_id = "";
  db_->update_pod(pod);
  EXPECT_EQ(db_->get_pod(pod.id)->infra_id, "");
  ASSERT_EQ(db_->list_pods().size(), 1u);
  db_->remove_pod(pod.id);
  EXPECT_FALSE(db_->get_pod(pod.id).has_value());
  EXPECT_TRUE(db_->list_pods().empty());
}

TEST_F(DatabaseTest, FailedWriteRollsBack) {
  EXPECT_THROW(db_->write([&] {
    db_->put_image(make_image("img1", {"localhost/a:latest"}));
    throw Error(ErrorCode::kInternal, "boom");
  }),
               Error);
  EXPECT_FALSE(db_->get_image("img1").has_value());
}

TEST_F(DatabaseTest, ParallelWritersFromProcesses) {
  constexpr int kWriters = 8;
  std::string path = dir_ + "/state.db";
  for (int i = 0; i < kWriters; ++i) {
    if (fork() == 0) {
      Database db(path);
      ContainerRecord c;
      c.id = "c" + std::to_string(i);
      c.name = "n" + std::to_string(i);
      db.insert_container(c);
      _exit(0);
    }
  }
  int status = 0;
  for (int i = 0; i < kWriters; ++i) {
    wait(&status);
    EXPECT_EQ(status, 0);
  }
  EXPECT_EQ(db_->list_containers().size(), static_cast<std::size_t>(kWriters));
}

}  // namespace
}  // namespace berth::state
