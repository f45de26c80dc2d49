#pragma once

// User namespace ID mappings: the --uidmap and --gidmap values with Podman
// 5's flags, /etc/subuid and /etc/subgid ranges, and the ranges that
// --userns=auto picks. Pure functions apart from read_subid_ranges, so they
// can be tested without a user namespace.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::runtime {

// One line of /proc/PID/uid_map: size IDs from container_id on are host IDs
// from host_id on.
struct IdMapping {
  std::uint32_t container_id = 0;
  std::uint32_t host_id = 0;
  std::uint32_t size = 0;

  bool operator==(const IdMapping&) const = default;
};

// A range of host IDs, as a line of /etc/subuid gives it.
struct IdRange {
  std::uint32_t start = 0;
  std::uint32_t size = 0;

  bool operator==(const IdRange&) const = default;
};

// The UID and GID maps of a user namespace.
struct IdMaps {
  std::vector<IdMapping> uids;
  std::vector<IdMapping> gids;
};

// One --uidmap or --gidmap value: [FLAGS]CONTAINER_ID:HOST_ID[:SIZE], where
// SIZE defaults to 1 and FLAGS is any of:
//   +  the entry replaces the parts of earlier entries that overlap it, on
//      the container side or on the host side;
//   @  HOST_ID is an ID of the host, not of the caller's user namespace
//      (the same thing for root, which is the only case berth supports);
//      it may also stand right before HOST_ID ("+0:@1000");
//   u  the entry goes to the UID map only, g to the GID map only (they
//      matter when one map is copied from the other flag's values).
struct IdMappingEntry {
  IdMapping mapping;
  bool extend = false;
  bool host_relative = false;
  bool uids_only = false;
  bool gids_only = false;
};

// Parses one value of flag ("--uidmap"). Throws Error{kInvalidArgument}
// naming the value when it is malformed, when SIZE is 0 or when the range
// runs past the last 32-bit ID.
IdMappingEntry parse_id_mapping(std::string_view flag, std::string_view text);

// Builds the maps from the --uidmap and --gidmap values, as Podman does:
// when only one flag is given, its values (less the entries flagged for the
// other map only) make both maps. Applies "+" entries in order and then
// checks each map with check_id_map.
IdMaps build_id_maps(const std::vector<std::string>& uidmap,
                     const std::vector<std::string>& gidmap);

// Throws Error{kInvalidArgument} naming flag and the entries when two
// entries of map overlap on the container or the host side, when an entry
// has size 0, or when map has more entries than the kernel takes (340).
void check_id_map(std::string_view flag, const std::vector<IdMapping>& map);

// Formats entries as Podman's inspect shows them: "0:100000:65536".
std::vector<std::string> format_id_map(const std::vector<IdMapping>& map);

// Parses "C:H:S" entries as format_id_map writes them.
std::vector<IdMapping> parse_id_map_strings(const std::vector<std::string>& entries);

// Returns the host ID that container_id maps to, or nullopt when map has no
// entry for it.
std::optional<std::uint32_t> map_to_host(const std::vector<IdMapping>& map,
                                         std::uint32_t container_id);

// Returns the ranges of the lines of a subuid(5) or subgid(5) file whose
// first field is one of owners (a user name or a numeric UID), in file
// order. Comments, blank and malformed lines are skipped.
std::vector<IdRange> parse_subid_ranges(std::string_view text,
                                        const std::vector<std::string>& owners);

// Reads parse_subid_ranges from path; a missing file has no ranges.
std::vector<IdRange> read_subid_ranges(const std::string& path,
                                       const std::vector<std::string>& owners);

// Maps container IDs 0, 1, ... onto the host IDs of ranges in order, as
// --subuidname does.
std::vector<IdMapping> map_subid_ranges(const std::vector<IdRange>& ranges);

// The options of --userns=auto[:OPTIONS].
struct AutoUsernsOptions {
  std::optional<std::uint32_t> size;  // size=N
  std::vector<IdMapping> uid_mappings;  // uidmapping=C:H:S, repeatable
  std::vector<IdMapping> gid_mappings;  // gidmapping=C:H:S, repeatable
};

// Parses the text after "auto:" ("size=8192,uidmapping=0:2147483647:10").
// Throws Error{kInvalidArgument} naming an unknown option or a bad value.
AutoUsernsOptions parse_auto_userns_options(std::string_view text);

// Picks a map of size container IDs for --userns=auto: the forced entries
// first, then the other container IDs below size, in order, onto the lowest
// host IDs of available that neither used nor a forced entry covers.
// Forced entries must lie inside available. Throws Error{kInvalidArgument}
// for a forced entry outside available, and Error{kConflict} when the free
// host IDs are too few.
std::vector<IdMapping> allocate_auto_map(const std::vector<IdRange>& available,
                                         const std::vector<IdRange>& used, std::uint32_t size,
                                         const std::vector<IdMapping>& forced);

}  // namespace berth::runtime
