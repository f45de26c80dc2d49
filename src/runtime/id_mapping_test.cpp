#include "runtime/id_mapping.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::runtime {
namespace {

ErrorCode code_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

std::string message_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(IdMappingParse, ThreeFields) {
  auto entry = parse_id_mapping("--uidmap", "0:100000:65536");
  EXPECT_EQ(entry.mapping, (IdMapping{0, 100000, 65536}));
  EXPECT_FALSE(entry.extend);
  EXPECT_FALSE(entry.host_relative);
}

TEST(IdMappingParse, SizeDefaultsToOne) {
  EXPECT_EQ(parse_id_mapping("--uidmap", "10:2000").mapping, (IdMapping{10, 2000, 1}));
}

TEST(IdMappingParse, Flags) {
  auto entry = parse_id_mapping("--uidmap", "+u10:@2000:3");
  EXPECT_TRUE(entry.extend);
  EXPECT_TRUE(entry.uids_only);
  EXPECT_FALSE(entry.gids_only);
  EXPECT_TRUE(entry.host_relative);
  EXPECT_EQ(entry.mapping, (IdMapping{10, 2000, 3}));
  EXPECT_TRUE(parse_id_mapping("--gidmap", "g+5:6").gids_only);
}

TEST(IdMappingParse, RejectsMalformed) {
  for (const char* text : {"", "0", "0:1:2:3", "a:1:2", "0:-1:2", "0:1:x", "ug0:1:2",
                           "0:1:4294967296", "*0:1:2", "0::2"}) {
    EXPECT_EQ(code_of([&] { parse_id_mapping("--uidmap", text); }), ErrorCode::kInvalidArgument)
        << text;
  }
}

TEST(IdMappingParse, ErrorNamesFlagAndValue) {
  auto message = message_of([] { parse_id_mapping("--gidmap", "0:x:1"); });
  EXPECT_NE(message.find("--gidmap"), std::string::npos) << message;
  EXPECT_NE(message.find("\"0:x:1\""), std::string::npos) << message;
}

TEST(IdMappingParse, RejectsSizeZero) {
  auto message = message_of([] { parse_id_mapping("--uidmap", "0:100000:0"); });
  EXPECT_NE(message.find("at least 1"), std::string::npos) << message;
}

TEST(IdMappingParse, RejectsRangePastLastId) {
  EXPECT_EQ(code_of([] { parse_id_mapping("--uidmap", "0:4294967295:2"); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_id_mapping("--uidmap", "0:4294967295:1").mapping.host_id, 4294967295u);
}

TEST(IdMapsBuild, UidmapAloneSetsBothMaps) {
  auto maps = build_id_maps({"0:100000:65536"}, {});
  EXPECT_EQ(maps.uids, (std::vector<IdMapping>{{0, 100000, 65536}}));
  EXPECT_EQ(maps.gids, (std::vector<IdMapping>{{0, 100000, 65536}}));
}

TEST(IdMapsBuild, GidmapAloneSetsBothMaps) {
  auto maps = build_id_maps({}, {"0:200000:10"});
  EXPECT_EQ(maps.uids, (std::vector<IdMapping>{{0, 200000, 10}}));
  EXPECT_EQ(maps.gids, (std::vector<IdMapping>{{0, 200000, 10}}));
}

TEST(IdMapsBuild, SeparateFlagsKeepSeparateMaps) {
  auto maps = build_id_maps({"0:100000:10"}, {"0:200000:10"});
  EXPECT_EQ(maps.uids, (std::vector<IdMapping>{{0, 100000, 10}}));
  EXPECT_EQ(maps.gids, (std::vector<IdMapping>{{0, 200000, 10}}));
}

TEST(IdMapsBuild, UidOnlyEntryStaysOutOfCopiedGidMap) {
  auto maps = build_id_maps({"0:100000:10", "u20:300000:1"}, {});
  EXPECT_EQ(maps.uids, (std::vector<IdMapping>{{0, 100000, 10}, {20, 300000, 1}}));
  EXPECT_EQ(maps.gids, (std::vector<IdMapping>{{0, 100000, 10}}));
}

TEST(IdMapsBuild, ExtendSplitsContainerRange) {
  auto maps = build_id_maps({"0:100000:65536", "+10:5000:2"}, {});
  std::vector<IdMapping> expected = {{0, 100000, 10}, {12, 100012, 65524}, {10, 5000, 2}};
  EXPECT_EQ(maps.uids, expected);
}

TEST(IdMapsBuild, ExtendRemovesHostRangeToo) {
  // Host ID 1000 is in the first entry; "+" moves it to container ID 100.
  auto maps = build_id_maps({"0:0:1024", "+100:1000:1"}, {});
  std::vector<IdMapping> expected = {
      {0, 0, 100}, {101, 101, 899}, {1001, 1001, 23}, {100, 1000, 1}};
  EXPECT_EQ(maps.uids, expected);
}

TEST(IdMapsBuild, RejectsOverlapWithoutExtend) {
  EXPECT_EQ(code_of([] { build_id_maps({"0:100000:10", "5:200000:10"}, {}); }),
            ErrorCode::kInvalidArgument);
  auto message = message_of([] { build_id_maps({"0:100000:10", "20:100005:10"}, {}); });
  EXPECT_NE(message.find("\"20:100005:10\""), std::string::npos) << message;
  EXPECT_NE(message.find("host side"), std::string::npos) << message;
}

TEST(IdMapsCheck, RejectsTooManyEntries) {
  std::vector<IdMapping> map;
  for (std::uint32_t i = 0; i < 341; ++i) map.push_back({i, 100000 + i, 1});
  EXPECT_EQ(code_of([&] { check_id_map("--uidmap", map); }), ErrorCode::kInvalidArgument);
}

TEST(IdMapsFormat, RoundTrip) {
  std::vector<IdMapping> map = {{0, 100000, 10}, {10, 7, 1}};
  auto text = format_id_map(map);
  EXPECT_EQ(text, (std::vector<std::string>{"0:100000:10", "10:7:1"}));
  EXPECT_EQ(parse_id_map_strings(text), map);
}

TEST(IdMapsLookup, MapToHost) {
  std::vector<IdMapping> map = {{0, 100000, 10}, {1000, 5000, 1}};
  EXPECT_EQ(map_to_host(map, 0), 100000u);
  EXPECT_EQ(map_to_host(map, 9), 100009u);
  EXPECT_EQ(map_to_host(map, 1000), 5000u);
  EXPECT_FALSE(map_to_host(map, 10).has_value());
}

TEST(SubidRanges, ParsesMatchingOwners) {
  std::string text =
      "# comment\n"
      "tester:300000:65536\n"
      "other:1:2\n"
      "1000:500000:10\n"
      "tester:bad:1\n"
      "tester:700000:0\n"
      "tester:800000:5\n";
  auto ranges = parse_subid_ranges(text, {"tester", "1000"});
  std::vector<IdRange> expected = {{300000, 65536}, {500000, 10}, {800000, 5}};
  EXPECT_EQ(ranges, expected);
}

TEST(SubidRanges, MapsContainerIdsInOrder) {
  auto map = map_subid_ranges({{300000, 10}, {500000, 5}});
  std::vector<IdMapping> expected = {{0, 300000, 10}, {10, 500000, 5}};
  EXPECT_EQ(map, expected);
}

TEST(AutoOptions, Parses) {
  auto options = parse_auto_userns_options("size=500,uidmapping=0:2147483647:10,gidmapping=0:5:1");
  EXPECT_EQ(options.size, 500u);
  EXPECT_EQ(options.uid_mappings, (std::vector<IdMapping>{{0, 2147483647u, 10}}));
  EXPECT_EQ(options.gid_mappings, (std::vector<IdMapping>{{0, 5, 1}}));
  EXPECT_FALSE(parse_auto_userns_options("").size.has_value());
}

TEST(AutoOptions, RejectsBadValues) {
  for (const char* text : {"size=0", "size=x", "uidmapping=0:1", "bogus=1", "gidmapping=0:1:0"}) {
    EXPECT_EQ(code_of([&] { parse_auto_userns_options(text); }), ErrorCode::kInvalidArgument)
        << text;
  }
}

TEST(AutoAllocate, FirstFreeRange) {
  auto map = allocate_auto_map({{2147483647u, 2147483648u}}, {}, 1024, {});
  EXPECT_EQ(map, (std::vector<IdMapping>{{0, 2147483647u, 1024}}));
}

TEST(AutoAllocate, SkipsUsedRanges) {
  auto map = allocate_auto_map({{100000, 5000}}, {{100000, 1024}, {101500, 100}}, 1024, {});
  std::vector<IdMapping> expected = {{0, 101024, 476}, {476, 101600, 548}};
  EXPECT_EQ(map, expected);
}

TEST(AutoAllocate, ForcedMappingComesFirst) {
  auto map = allocate_auto_map({{2147483647u, 2147483648u}}, {}, 500, {{0, 2147483647u, 10}});
  std::vector<IdMapping> expected = {{0, 2147483647u, 10}, {10, 2147483657u, 490}};
  EXPECT_EQ(map, expected);
}

TEST(AutoAllocate, RejectsForcedOutsideRanges) {
  EXPECT_EQ(code_of([] { allocate_auto_map({{100000, 65536}}, {}, 10, {{0, 5, 10}}); }),
            ErrorCode::kInvalidArgument);
}

TEST(AutoAllocate, RejectsWhenTooFewLeft) {
  EXPECT_EQ(code_of([] { allocate_auto_map({{100000, 1000}}, {{100000, 500}}, 1024, {}); }),
            ErrorCode::kConflict);
  EXPECT_EQ(code_of([] { allocate_auto_map({}, {}, 1, {}); }), ErrorCode::kConflict);
}

}  // namespace
}  // namespace berth::runtime
