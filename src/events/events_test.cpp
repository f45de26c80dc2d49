#include "events/events.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.hpp"

namespace berth::events {
namespace {

EventRecord container_event(const std::string& status) {
  EventRecord e;
  e.time_ns = 1'700'000'000'123'450'000;
  e.type = "container";
  e.status = status;
  e.object_id = "0123456789abcdef0123";
  e.name = "web";
  e.image = "quay.io/x/y:1";
  e.attributes = R"({"b":"2","a":"1"})";
  return e;
}

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

TEST_F(EventsTest, HumanReadableContainer) {
  EXPECT_EQ(human_readable(container_event("start"), false),
            "2023-11-14 22:13:20.12345 +0000 UTC container start 0123456789abcdef0123 "
            "(image=quay.io/x/y:1, name=web, a=1, b=2)");
  EXPECT_EQ(human_readable(container_event("start"), true),
            "2023-11-14 22:13:20.12345 +0000 UTC container start 0123456789ab "
            "(image=quay.io/x/y:1, name=web, a=1, b=2)");
}

TEST_F(EventsTest, HumanReadableImageAndVolume) {
  EventRecord image;
  image.time_ns = 1'700'000'000'000'000'000;
  image.type = "image";
  image.status = "tag";
  image.object_id = "abc";
  image.name = "foo:1";
  EXPECT_EQ(human_readable(image, true), "2023-11-14 22:13:20 +0000 UTC image tag abc foo:1");
  EventRecord volume;
  volume.time_ns = image.time_ns;
  volume.type = "volume";
  volume.status = "create";
  volume.name = "v1";
  EXPECT_EQ(human_readable(volume, true), "2023-11-14 22:13:20 +0000 UTC volume create v1");
}

TEST_F(EventsTest, JsonHasPodmanFields) {
  auto died = container_event("died");
  died.exit_code = 3;
  auto json = to_json(died);
  EXPECT_EQ(json["ContainerExitCode"], 3);
  EXPECT_EQ(json["ID"], "0123456789abcdef0123");
  EXPECT_EQ(json["time"], 1'700'000'000);
  EXPECT_EQ(json["timeNano"], 1'700'000'000'123'450'000);
  EXPECT_EQ(json["Attributes"]["a"], "1");
  EXPECT_FALSE(to_json(container_event("start")).contains("ContainerExitCode"));
}

TEST_F(EventsTest, FilterSameKeyIsOr) {
  Filter filter({"event=start", "event=died"}, "", "");
  EXPECT_TRUE(filter.matches(container_event("start")));
  EXPECT_TRUE(filter.matches(container_event("died")));
  EXPECT_FALSE(filter.matches(container_event("create")));
}

TEST_F(EventsTest, FilterDifferentKeysAreAnd) {
  Filter filter({"event=start", "container=other"}, "", "");
  EXPECT_FALSE(filter.matches(container_event("start")));
  Filter by_prefix({"event=start", "container=0123"}, "", "");
  EXPECT_TRUE(by_prefix.matches(container_event("start")));
}

TEST_F(EventsTest, FilterLabelAndImage) {
  EXPECT_TRUE(Filter({"label=a=1"}, "", "").matches(container_event("start")));
  EXPECT_TRUE(Filter({"label=b"}, "", "").matches(container_event("start")));
  EXPECT_FALSE(Filter({"label=a=2"}, "", "").matches(container_event("start")));
  EXPECT_TRUE(Filter({"image=quay.io/x/y:1"}, "", "").matches(container_event("start")));
  EXPECT_FALSE(Filter({"type=image"}, "", "").matches(container_event("start")));
}

TEST_F(EventsTest, FilterTimes) {
  auto event = container_event("start");
  EXPECT_TRUE(Filter({}, "2023-11-14T22:00:00Z", "").matches(event));
  EXPECT_FALSE(Filter({}, "2023-11-14T23:00:00Z", "").matches(event));
  EXPECT_FALSE(Filter({"until=2023-11-14T22:00:00Z"}, "", "").matches(event));
}

TEST_F(EventsTest, FilterRejectsUnknownKey) {
  EXPECT_THROW(Filter({"colour=red"}, "", ""), Error);
  EXPECT_THROW(Filter({"event"}, "", ""), Error);
  EXPECT_THROW(Filter({}, "yesterday", ""), Error);
}

TEST(EventLog, WriteTrimsAndLists) {
  auto dir = std::filesystem::temp_directory_path() / ("berth-events-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    state::Database db((dir / "berth.db").string());
    EXPECT_EQ(db.last_event_id(), 0);
    for (int i = 0; i < 5; ++i) {
      EventRecord e;
      e.time_ns = 100 + i;
      e.type = "volume";
      e.status = "create";
      e.name = "v" + std::to_string(i);
      db.insert_event(e, 3);
    }
    auto all = db.list_events(0);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all.front().name, "v2");
    EXPECT_EQ(all.back().name, "v4");
    EXPECT_FALSE(all.back().exit_code.has_value());
    EXPECT_EQ(db.list_events(all[1].id).size(), 1u);
    EXPECT_EQ(db.last_event_id(), all.back().id);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace berth::events
