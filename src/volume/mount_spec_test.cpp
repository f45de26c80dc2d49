#include "volume/mount_spec.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace berth::volume {
namespace {

// Returns the message of the Error{kInvalidArgument} that body throws.
template <typename Body>
std::string invalid_argument_message(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

TEST(ParseVolumeFlag, BindMountWithOptions) {
  auto m = parse_volume_flag("/srv/data:/data:ro,z", "/cwd");
  EXPECT_EQ(m.type, MountType::kBind);
  EXPECT_EQ(m.source, "/srv/data");
  EXPECT_EQ(m.destination, "/data");
  EXPECT_TRUE(m.read_only);
  EXPECT_TRUE(m.relabel);
  EXPECT_EQ(m.options, (std::vector<std::string>{"rbind", "rprivate"}));
}

TEST(ParseVolumeFlag, RelativeSourceResolvesAgainstCwd) {
  auto m = parse_volume_flag("./sub/../dir:/data", "/home/user");
  EXPECT_EQ(m.type, MountType::kBind);
  EXPECT_EQ(m.source, "/home/user/dir");
  auto parent = parse_volume_flag("..:/data", "/home/user");
  EXPECT_EQ(parent.source, "/home");
}

TEST(ParseVolumeFlag, NameIsVolume) {
  auto m = parse_volume_flag("cache:/var/cache:nocopy,U", "/");
  EXPECT_EQ(m.type, MountType::kVolume);
  EXPECT_EQ(m.source, "cache");
  EXPECT_FALSE(m.anonymous);
  EXPECT_FALSE(m.copy_up);
  EXPECT_TRUE(m.chown);
  EXPECT_EQ(m.options, (std::vector<std::string>{"nosuid", "nodev", "rbind", "rprivate"}));
}

TEST(ParseVolumeFlag, DestinationAloneIsAnonymousVolume) {
  auto m = parse_volume_flag("/data/", "/");
  EXPECT_EQ(m.type, MountType::kVolume);
  EXPECT_TRUE(m.anonymous);
  EXPECT_EQ(m.source, "");
  EXPECT_EQ(m.destination, "/data");
  auto with_options = parse_volume_flag("/data:ro", "/");
  EXPECT_TRUE(with_options.anonymous);
  EXPECT_TRUE(with_options.read_only);
}

TEST(ParseVolumeFlag, UserOptionsReplaceDefaults) {
  auto m = parse_volume_flag("v:/d:suid,dev,noexec,bind,rshared", "/");
  EXPECT_EQ(m.options, (std::vector<std::string>{"suid", "dev", "noexec", "bind", "rshared"}));
}

TEST(ParseVolumeFlag, OverlayOnBind) {
  auto m = parse_volume_flag("/src:/dst:O", "/");
  EXPECT_TRUE(m.overlay);
  EXPECT_NE(invalid_argument_message([] { parse_volume_flag("/src:/dst:O,ro", "/"); }), "");
  EXPECT_NE(invalid_argument_message([] { parse_volume_flag("vol:/dst:O", "/"); }), "");
}

TEST(ParseVolumeFlag, BadSpecsNameTheValue) {
  struct Case {
    const char* value;
    const char* message_part;
  };
  const Case cases[] = {
      {"/a:rel", "container path \"rel\" must be absolute"},
      {"rel", "container path \"rel\" must be absolute"},
      {":/x", "the source is empty"},
      {"/a::ro", "the container path is empty"},
      {"/a:/x:", "the options are empty"},
      {"/a:/x:ro,rw", "give only one of ro and rw"},
      {"/a:/x:ro,ro", "give only one of ro and rw"},
      {"/a:/x:foo", "unknown option \"foo\""},
      {"/a:/x:ro,,z", "empty option"},
      {"/a:/x:nosuid,suid", "options \"nosuid\" and \"suid\" conflict"},
      {"/a:/x:shared,private", "propagation options"},
      {"/a:/x:z,Z", "give only one of z and Z"},
      {"/a:/:ro", "root \"/\""},
      {"/a:/b:ro:x", "too many"},
      {"bad name!:/x", "nor a valid volume name"},
  };
  for (const auto& c : cases) {
    auto message = invalid_argument_message([&] { parse_volume_flag(c.value, "/"); });
    EXPECT_NE(message.find(c.message_part), std::string::npos) << c.value << ": " << message;
    EXPECT_NE(message.find(c.value), std::string::npos) << c.value << ": " << message;
  }
}

TEST(ParseMountFlag, BindWithPropagation) {
  auto m = parse_mount_flag("type=bind,src=/h,target=/c,readonly,bind-propagation=rslave", "/");
  EXPECT_EQ(m.type, MountType::kBind);
  EXPECT_EQ(m.source, "/h");
  EXPECT_EQ(m.destination, "/c");
  EXPECT_TRUE(m.read_only);
  EXPECT_EQ(m.options, (std::vector<std::string>{"rslave", "rbind"}));
}

TEST(ParseMountFlag, VolumeDefaultsAndOptions) {
  auto m = parse_mount_flag("type=volume,source=v1,dst=/d,volume-opt=type=tmpfs,"
                            "volume-nocopy,ro=false",
                            "/");
  EXPECT_EQ(m.type, MountType::kVolume);
  EXPECT_EQ(m.source, "v1");
  EXPECT_FALSE(m.read_only);
  EXPECT_FALSE(m.copy_up);
  EXPECT_EQ(m.volume_options, (std::vector<std::string>{"type=tmpfs"}));
  auto anonymous = parse_mount_flag("dst=/d", "/");
  EXPECT_EQ(anonymous.type, MountType::kVolume);
  EXPECT_TRUE(anonymous.anonymous);
}

TEST(ParseMountFlag, TmpfsSizeAndMode) {
  auto m = parse_mount_flag("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770", "/");
  EXPECT_EQ(m.type, MountType::kTmpfs);
  EXPECT_EQ(m.options, (std::vector<std::string>{"size=1m", "mode=1770", "nosuid", "nodev"}));
}

TEST(ParseMountFlag, ImageIsReadOnlyByDefault) {
  auto m = parse_mount_flag("type=image,src=busybox,dst=/img", "/");
  EXPECT_EQ(m.type, MountType::kImage);
  EXPECT_TRUE(m.read_only);
  auto rw = parse_mount_flag("type=image,src=busybox,dst=/img,rw=true", "/");
  EXPECT_FALSE(rw.read_only);
}

TEST(ParseMountFlag, BadSpecs) {
  const char* values[] = {
      "type=foo,dst=/x",           "type=bind,src=/tmp",        "type=bind,dst=/x",
      "type=bind,src=rel,dst=/x",  "type=tmpfs,src=/a,dst=/x",  "type=volume,dst=/x,ro=maybe",
      "type=bind,src=/a,dst=/x,tmpfs-size=1m", "type=tmpfs,dst=/x,tmpfs-mode=9",
      "type=volume,dst=/x,volume-opt=novalue", "type=bind,src=/a,dst=/x,color=red",
      "type=bind,src=/a,dst=rel", "type=volume,dst=/x,,ro",
  };
  for (const char* value : values) {
    auto message = invalid_argument_message([&] { parse_mount_flag(value, "/"); });
    EXPECT_NE(message.find(value), std::string::npos) << value << ": " << message;
  }
}

TEST(ParseVolumeFlag, IdmapOption) {
  auto bind = parse_volume_flag("/srv/data:/data:idmap,ro", "/cwd");
  EXPECT_TRUE(bind.idmap);
  EXPECT_TRUE(bind.read_only);
  EXPECT_EQ(bind.options, (std::vector<std::string>{"rbind", "rprivate"}));
  EXPECT_TRUE(parse_volume_flag("vol:/data:idmap", "/cwd").idmap);
  EXPECT_FALSE(parse_volume_flag("/srv/data:/data", "/cwd").idmap);
  auto anonymous = parse_volume_flag("/data:idmap", "/cwd");
  EXPECT_EQ(anonymous.type, MountType::kVolume);
  EXPECT_EQ(anonymous.destination, "/data");
  EXPECT_TRUE(anonymous.idmap);
}

TEST(ParseVolumeFlag, CustomIdmapRejected) {
  auto message = invalid_argument_message(
      [] { parse_volume_flag("/srv:/data:idmap=uids=0-1-10", "/cwd"); });
  EXPECT_NE(message.find("\"idmap=uids=0-1-10\" is not supported"), std::string::npos) << message;
}

TEST(ParseMountFlag, IdmapField) {
  EXPECT_TRUE(parse_mount_flag("type=bind,src=/srv,dst=/data,idmap", "/cwd").idmap);
  EXPECT_TRUE(parse_mount_flag("type=volume,src=vol,dst=/data,idmap", "/cwd").idmap);
  auto message = invalid_argument_message(
      [] { parse_mount_flag("type=bind,src=/srv,dst=/data,idmap=uids=0-1-1", "/cwd"); });
  EXPECT_NE(message.find("invalid --mount"), std::string::npos) << message;
  EXPECT_NE(message.find("\"idmap=uids=0-1-1\""), std::string::npos) << message;
}

TEST(MountSpecJson, IdmapRoundTrip) {
  MountSpec spec = parse_volume_flag("/srv:/data:idmap", "/cwd");
  nlohmann::json j = spec;
  EXPECT_TRUE(j.get<MountSpec>().idmap);
  j.erase("idmap");
  EXPECT_FALSE(j.get<MountSpec>().idmap) << "records without the field";
}

TEST(ParseTmpfsFlag, OptionsPassThrough) {
  auto m = parse_tmpfs_flag("/run/x:size=64k,mode=700,noexec");
  EXPECT_EQ(m.type, MountType::kTmpfs);
  EXPECT_EQ(m.destination, "/run/x");
  EXPECT_EQ(m.options,
            (std::vector<std::string>{"size=64k", "mode=700", "noexec", "nosuid", "nodev"}));
  EXPECT_NE(invalid_argument_message([] { parse_tmpfs_flag("rel"); }), "");
  EXPECT_NE(invalid_argument_message([] { parse_tmpfs_flag("/t:bogus"); }), "");
}

TEST(MountSpecJson, RoundTripAndOldRecords) {
  auto m = parse_volume_flag("v:/d:ro,U,nocopy", "/");
  nlohmann::json j = m;
  auto back = j.get<MountSpec>();
  EXPECT_EQ(back.type, MountType::kVolume);
  EXPECT_EQ(back.source, "v");
  EXPECT_TRUE(back.read_only);
  EXPECT_TRUE(back.chown);
  EXPECT_FALSE(back.copy_up);
  EXPECT_EQ(back.options, m.options);
  // A bind mount stored before mount types existed.
  auto old = nlohmann::json{{"source", "/h"}, {"destination", "/c"}, {"read_only", true}}
                 .get<MountSpec>();
  EXPECT_EQ(old.type, MountType::kBind);
  EXPECT_TRUE(old.read_only);
  EXPECT_EQ(old.options, (std::vector<std::string>{"rbind", "rprivate"}));
}

TEST(CleanPath, RemovesDotsAndSlashes) {
  EXPECT_EQ(clean_path("/a//b/./c/../d/"), "/a/b/d");
  EXPECT_EQ(clean_path("/../.."), "/");
}

}  // namespace
}  // namespace berth::volume
