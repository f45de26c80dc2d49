#include "runtime/id_mapping.hpp"

#include <algorithm>
#include <charconv>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::runtime {

namespace {

// The kernel takes at most 340 lines in uid_map and gid_map (Linux 4.15+).
constexpr std::size_t kMaxMapEntries = 340;
constexpr std::uint64_t kIdLimit = std::uint64_t{1} << 32;

std::optional<std::uint32_t> parse_uint32(std::string_view text) {
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::string format_mapping(const IdMapping& m) {
  return std::to_string(m.container_id) + ":" + std::to_string(m.host_id) + ":" +
         std::to_string(m.size);
}

std::uint64_t end_of(std::uint32_t start, std::uint32_t size) {
  return std::uint64_t{start} + size;
}

bool ranges_overlap(std::uint32_t a, std::uint32_t a_size, std::uint32_t b,
                    std::uint32_t b_size) {
  return a < end_of(b, b_size) && b < end_of(a, a_size);
}

// Parses C:H:S where all three parts are needed (auto's uidmapping=).
IdMapping parse_triple(std::string_view option, std::string_view text) {
  auto parts = split(text, ':');
  std::optional<std::uint32_t> c, h, s;
  if (parts.size() == 3) {
    c = parse_uint32(parts[0]);
    h = parse_uint32(parts[1]);
    s = parse_uint32(parts[2]);
  }
  if (!c || !h || !s || *s == 0) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --userns option {}=\"{}\": expected CONTAINER_ID:HOST_ID:SIZE with SIZE at "
         "least 1",
         option, text);
  }
  return {*c, *h, *s};
}

// Removes from map every container ID in [start, start + size) (by_host
// false) or every host ID in that range (by_host true), splitting entries.
void remove_range(std::vector<IdMapping>& map, std::uint32_t start, std::uint32_t size,
                  bool by_host) {
  std::vector<IdMapping> kept;
  std::uint64_t cut_end = end_of(start, size);
  for (const IdMapping& m : map) {
    std::uint64_t from = by_host ? m.host_id : m.container_id;
    std::uint64_t to = from + m.size;
    if (to <= start || from >= cut_end) {
      kept.push_back(m);
      continue;
    }
    if (from < start) {
      kept.push_back({m.container_id, m.host_id, static_cast<std::uint32_t>(start - from)});
    }
    if (to > cut_end) {
      auto skip = static_cast<std::uint32_t>(cut_end - from);
      kept.push_back({m.container_id + skip, m.host_id + skip,
                      static_cast<std::uint32_t>(to - cut_end)});
    }
  }
  map = std::move(kept);
}

std::vector<IdMapping> apply_entries(const std::vector<IdMappingEntry>& entries) {
  std::vector<IdMapping> map;
  for (const IdMappingEntry& entry : entries) {
    const IdMapping& m = entry.mapping;
    if (entry.extend) {
      remove_range(map, m.container_id, m.size, false);
      remove_range(map, m.host_id, m.size, true);
    }
    map.push_back(m);
  }
  return map;
}

// Subtracts the ranges in cut from ranges; both are lists of host IDs.
std::vector<IdRange> subtract_ranges(std::vector<IdRange> ranges, const std::vector<IdRange>& cut) {
  for (const IdRange& c : cut) {
    std::vector<IdRange> kept;
    for (const IdRange& r : ranges) {
      if (!ranges_overlap(r.start, r.size, c.start, c.size)) {
        kept.push_back(r);
        continue;
      }
      if (r.start < c.start) kept.push_back({r.start, c.start - r.start});
      std::uint64_t r_end = end_of(r.start, r.size);
      std::uint64_t c_end = end_of(c.start, c.size);
      if (r_end > c_end) {
        kept.push_back({static_cast<std::uint32_t>(c_end), static_cast<std::uint32_t>(r_end - c_end)});
      }
    }
    ranges = std::move(kept);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const IdRange& a, const IdRange& b) { return a.start < b.start; });
  return ranges;
}

bool inside_ranges(const std::vector<IdRange>& ranges, std::uint32_t start, std::uint32_t size) {
  // The forced entry must fit in one range, or in ranges that touch.
  std::uint64_t position = start;
  std::uint64_t end = end_of(start, size);
  bool advanced = true;
  while (position < end && advanced) {
    advanced = false;
    for (const IdRange& r : ranges) {
      if (r.start <= position && position < end_of(r.start, r.size)) {
        position = end_of(r.start, r.size);
        advanced = true;
      }
    }
  }
  return position >= end;
}

}  // namespace

IdMappingEntry parse_id_mapping(std::string_view flag, std::string_view text) {
  IdMappingEntry entry;
  std::string_view rest = text;
  // The flags come first, in any order; "@" may also prefix HOST_ID.
  while (!rest.empty() && std::string_view("+@ug").find(rest.front()) != std::string_view::npos) {
    switch (rest.front()) {
      case '+': entry.extend = true; break;
      case '@': entry.host_relative = true; break;
      case 'u': entry.uids_only = true; break;
      case 'g': entry.gids_only = true; break;
    }
    rest.remove_prefix(1);
  }
  auto parts = split(rest, ':');
  if (parts.size() >= 2 && parts[1].starts_with('@')) {
    entry.host_relative = true;
    parts[1].remove_prefix(1);
  }
  std::optional<std::uint32_t> container_id, host_id, size = 1;
  if (parts.size() == 2 || parts.size() == 3) {
    container_id = parse_uint32(parts[0]);
    host_id = parse_uint32(parts[1]);
    if (parts.size() == 3) size = parse_uint32(parts[2]);
  }
  if (!container_id || !host_id || !size || (entry.uids_only && entry.gids_only)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} \"{}\": expected [FLAGS]CONTAINER_ID:HOST_ID[:SIZE] with FLAGS from +, @, "
         "u or g and 32-bit numbers",
         flag, text);
  }
  if (*size == 0) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": the size must be at least 1", flag, text);
  }
  if (end_of(*container_id, *size) > kIdLimit || end_of(*host_id, *size) > kIdLimit) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": the range ends past ID 4294967295",
         flag, text);
  }
  entry.mapping = {*container_id, *host_id, *size};
  return entry;
}

IdMaps build_id_maps(const std::vector<std::string>& uidmap,
                     const std::vector<std::string>& gidmap) {
  std::vector<IdMappingEntry> uid_entries, gid_entries;
  for (const auto& text : uidmap) uid_entries.push_back(parse_id_mapping("--uidmap", text));
  for (const auto& text : gidmap) gid_entries.push_back(parse_id_mapping("--gidmap", text));
  // One flag alone sets both maps, less its entries marked for the other.
  const auto& uid_source = uidmap.empty() ? gid_entries : uid_entries;
  const auto& gid_source = gidmap.empty() ? uid_entries : gid_entries;
  std::vector<IdMappingEntry> uids, gids;
  for (const auto& e : uid_source) {
    if (!e.gids_only) uids.push_back(e);
  }
  for (const auto& e : gid_source) {
    if (!e.uids_only) gids.push_back(e);
  }
  IdMaps maps{apply_entries(uids), apply_entries(gids)};
  check_id_map(uidmap.empty() ? "--gidmap" : "--uidmap", maps.uids);
  check_id_map(gidmap.empty() ? "--uidmap" : "--gidmap", maps.gids);
  return maps;
}

void check_id_map(std::string_view flag, const std::vector<IdMapping>& map) {
  if (map.size() > kMaxMapEntries) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: {} entries, but the kernel takes at most {}",
         flag, map.size(), kMaxMapEntries);
  }
  for (std::size_t i = 0; i < map.size(); ++i) {
    if (map[i].size == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": the size must be at least 1", flag,
           format_mapping(map[i]));
    }
    for (std::size_t j = 0; j < i; ++j) {
      bool container_side =
          ranges_overlap(map[i].container_id, map[i].size, map[j].container_id, map[j].size);
      bool host_side = ranges_overlap(map[i].host_id, map[i].size, map[j].host_id, map[j].size);
      if (container_side || host_side) {
        fail(ErrorCode::kInvalidArgument,
             "invalid {} \"{}\": it overlaps \"{}\" on the {} side: give each ID one mapping, or "
             "prefix the later one with + to replace the overlap",
             flag, format_mapping(map[i]), format_mapping(map[j]),
             container_side ? "container" : "host");
      }
    }
  }
}

std::vector<std::string> format_id_map(const std::vector<IdMapping>& map) {
  std::vector<std::string> out;
  for (const IdMapping& m : map) out.push_back(format_mapping(m));
  return out;
}

std::vector<IdMapping> parse_id_map_strings(const std::vector<std::string>& entries) {
  std::vector<IdMapping> map;
  for (const auto& text : entries) map.push_back(parse_id_mapping("ID mapping", text).mapping);
  return map;
}

std::optional<std::uint32_t> map_to_host(const std::vector<IdMapping>& map,
                                         std::uint32_t container_id) {
  for (const IdMapping& m : map) {
    if (container_id >= m.container_id && container_id < end_of(m.container_id, m.size)) {
      return m.host_id + (container_id - m.container_id);
    }
  }
  return std::nullopt;
}

std::vector<IdRange> parse_subid_ranges(std::string_view text,
                                        const std::vector<std::string>& owners) {
  std::vector<IdRange> ranges;
  for (std::string_view line : split(text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() != 3) continue;
    if (std::find(owners.begin(), owners.end(), fields[0]) == owners.end()) continue;
    auto start = parse_uint32(fields[1]);
    auto size = parse_uint32(fields[2]);
    if (!start || !size || *size == 0 || end_of(*start, *size) > kIdLimit) continue;
    ranges.push_back({*start, *size});
  }
  return ranges;
}

std::vector<IdRange> read_subid_ranges(const std::string& path,
                                       const std::vector<std::string>& owners) {
  auto text = os::read_file_if_exists(path);
  if (!text) return {};
  return parse_subid_ranges(*text, owners);
}

std::vector<IdMapping> map_subid_ranges(const std::vector<IdRange>& ranges) {
  std::vector<IdMapping> map;
  std::uint64_t next = 0;
  for (const IdRange& r : ranges) {
    if (next >= kIdLimit) break;
    auto size = static_cast<std::uint32_t>(std::min<std::uint64_t>(r.size, kIdLimit - next));
    map.push_back({static_cast<std::uint32_t>(next), r.start, size});
    next += size;
  }
  return map;
}

AutoUsernsOptions parse_auto_userns_options(std::string_view text) {
  AutoUsernsOptions options;
  if (text.empty()) return options;
  for (std::string_view option : split(text, ',')) {
    auto equals = option.find('=');
    std::string_view key = option.substr(0, equals);
    std::string_view value =
        equals == std::string_view::npos ? std::string_view() : option.substr(equals + 1);
    if (key == "size") {
      auto size = parse_uint32(value);
      if (!size || *size == 0) {
        fail(ErrorCode::kInvalidArgument,
             "invalid --userns option size=\"{}\": expected a number of IDs, at least 1", value);
      }
      options.size = *size;
    } else if (key == "uidmapping") {
      options.uid_mappings.push_back(parse_triple(key, value));
    } else if (key == "gidmapping") {
      options.gid_mappings.push_back(parse_triple(key, value));
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid --userns option \"{}\": use size=N, uidmapping=C:H:S or gidmapping=C:H:S",
           option);
    }
  }
  check_id_map("--userns uidmapping", options.uid_mappings);
  check_id_map("--userns gidmapping", options.gid_mappings);
  return options;
}

std::vector<IdMapping> allocate_auto_map(const std::vector<IdRange>& available,
                                         const std::vector<IdRange>& used, std::uint32_t size,
                                         const std::vector<IdMapping>& forced) {
  std::vector<IdMapping> map;
  std::vector<IdRange> forced_hosts;
  for (const IdMapping& f : forced) {
    if (!inside_ranges(available, f.host_id, f.size)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --userns mapping \"{}\": its host IDs are outside the subordinate ID ranges of "
           "user \"containers\"",
           format_mapping(f));
    }
    map.push_back(f);
    forced_hosts.push_back({f.host_id, f.size});
  }
  // The container IDs below size that no forced entry maps, in order.
  std::vector<IdRange> container_gaps = subtract_ranges({{0, size}}, [&] {
    std::vector<IdRange> covered;
    for (const IdMapping& f : forced) covered.push_back({f.container_id, f.size});
    return covered;
  }());
  std::vector<IdRange> cut = used;
  cut.insert(cut.end(), forced_hosts.begin(), forced_hosts.end());
  std::vector<IdRange> free_hosts = subtract_ranges(available, cut);
  std::size_t host_index = 0;
  std::uint32_t host_offset = 0;
  for (const IdRange& gap : container_gaps) {
    std::uint32_t done = 0;
    while (done < gap.size) {
      if (host_index >= free_hosts.size()) {
        fail(ErrorCode::kConflict,
             "could not find enough available IDs: {} are needed, and the subordinate ID ranges "
             "of user \"containers\" have too few left: remove containers or add ranges",
             size);
      }
      const IdRange& host = free_hosts[host_index];
      std::uint32_t count = std::min(gap.size - done, host.size - host_offset);
      map.push_back({gap.start + done, host.start + host_offset, count});
      done += count;
      host_offset += count;
      if (host_offset == host.size) {
        ++host_index;
        host_offset = 0;
      }
    }
  }
  std::sort(map.begin(), map.end(),
            [](const IdMapping& a, const IdMapping& b) { return a.container_id < b.container_id; });
  return map;
}

}  // namespace berth::runtime
