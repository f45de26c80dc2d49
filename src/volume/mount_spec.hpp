#pragma once

// The one mount form that -v, --mount and --tmpfs parse into, stored in a
// container's configuration and turned into OCI mounts at each start.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::volume {

enum class MountType { kBind, kVolume, kTmpfs, kImage };

// Returns "bind", "volume", "tmpfs" or "image".
std::string_view mount_type_name(MountType type);

// One mount of a container.
struct MountSpec {
  MountType type = MountType::kBind;
  // bind: absolute host path. volume: volume name, "" for an anonymous
  // volume until create names it. image: the image reference. tmpfs: "".
  std::string source;
  std::string destination;  // absolute path inside the container
  bool read_only = false;
  // Options passed to the mount as they are: propagation ("rprivate",
  // "shared", ...), "bind" or "rbind", "nosuid", "nodev", "noexec" and their
  // opposites, and for tmpfs "size=..." and "mode=...".
  std::vector<std::string> options;
  bool chown = false;      // U: chown the source to the container's user
  bool overlay = false;    // O: writes go to an upper dir that each start drops
  bool copy_up = true;     // volumes only; false with nocopy
  bool relabel = false;    // z or Z, accepted; no SELinux relabel is done
  bool anonymous = false;  // volume created for this container alone
  // idmap: the source is seen through an idmapped mount with the
  // container's user namespace, so host ID 0 appears as the container's 0.
  bool idmap = false;
  // --mount type=volume,volume-opt=K=V: driver options of a volume that the
  // mount creates.
  std::vector<std::string> volume_options;
  std::string image_id;  // type image: the resolved local image ID

  // Whether options contains option.
  bool has_option(std::string_view option) const;
};

void to_json(nlohmann::json& j, const MountSpec& m);
void from_json(const nlohmann::json& j, MountSpec& m);

// Parses a -v value: HOST-DIR:CTR-DIR[:OPTIONS], VOLUME:CTR-DIR[:OPTIONS]
// or CTR-DIR alone (an anonymous volume). A source is a host path only when
// it starts with "/" or "."; a relative one is resolved against cwd. Throws
// Error{kInvalidArgument} naming the value for an empty part, a relative
// destination, an unknown option or conflicting options.
MountSpec parse_volume_flag(std::string_view value, const std::string& cwd);

// Parses a --mount value: comma-separated KEY[=VALUE] fields with
// type=bind|volume|tmpfs|image. Relative bind sources resolve against cwd.
// Throws Error{kInvalidArgument} naming the value or the bad field.
MountSpec parse_mount_flag(std::string_view value, const std::string& cwd);

// Parses a --tmpfs value: CTR-DIR[:OPTIONS] with tmpfs mount options
// (size=, mode=, ro, noexec, ...). Throws Error{kInvalidArgument}.
MountSpec parse_tmpfs_flag(std::string_view value);

// Returns path with "." and ".." parts and repeated slashes removed, as
// Go's filepath.Clean does for an absolute path.
std::string clean_path(std::string_view path);

}  // namespace berth::volume
