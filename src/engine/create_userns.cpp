#include "engine/create_userns.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/operations.hpp"
#include "container/userns_start.hpp"
#include "os/fd.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

namespace {

using runtime::IdMapping;
using runtime::IdRange;

// The user whose /etc/subuid and /etc/subgid ranges --userns=auto takes,
// as in Podman.
constexpr const char* kAutoUser = "containers";
constexpr std::uint32_t kAutoMinSize = 1024;
constexpr std::uint32_t kOverflowId = 65534;

// Reads relative (no leading "/") from layer with every path component
// resolved inside the layer, so a symlink in the image cannot lead to a host
// file. Returns nullopt when it is missing or not a regular file (a
// whiteout hides it).
std::optional<std::string> read_in_layer(const std::string& layer, const char* relative) {
  os::Fd root(::open(layer.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return std::nullopt;
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  os::Fd file(static_cast<int>(::syscall(SYS_openat2, root.get(), relative, &how, sizeof how)));
  if (!file) return std::nullopt;
  struct stat st {};
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::string data;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(file.get(), buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

// The file as the image's top-most layer that has it stores it.
std::string read_from_image(const std::vector<std::string>& layers, const char* relative) {
  for (const auto& layer : layers) {
    if (auto data = read_in_layer(layer, relative)) return *data;
  }
  return {};
}

// Returns the largest ID below the overflow ID in fields id_fields (0-based)
// of the colon-separated lines of text.
std::uint32_t max_id(std::string_view text, std::initializer_list<std::size_t> id_fields) {
  std::uint32_t largest = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
      auto colon = line.find(':', start);
      fields.push_back(line.substr(start, colon - start));
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
    for (std::size_t index : id_fields) {
      if (index >= fields.size()) continue;
      std::uint32_t id = 0;
      auto field = fields[index];
      auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), id);
      if (ec == std::errc() && ptr == field.data() + field.size() && id < kOverflowId) {
        largest = std::max(largest, id);
      }
    }
  }
  return largest;
}

// The names a subordinate ID file may list owner under: its name and, when
// it is a user or group of this host, its number.
std::vector<std::string> subid_owners(const std::string& name, bool group) {
  std::vector<std::string> owners = {name};
  if (group) {
    if (const struct group* entry = ::getgrnam(name.c_str())) {
      owners.push_back(std::to_string(entry->gr_gid));
    }
  } else if (const struct passwd* entry = ::getpwnam(name.c_str())) {
    owners.push_back(std::to_string(entry->pw_uid));
  }
  return owners;
}

// The host IDs other containers' user namespaces hold.
void collect_used_ranges(container::Context& ctx, std::vector<IdRange>& uids,
                         std::vector<IdRange>& gids) {
  for (const auto& record : ctx.db().list_containers()) {
    auto json = nlohmann::json::parse(record.config, nullptr, false);
    if (json.is_discarded() || !json.contains("userns")) continue;
    auto userns = json["userns"].get<container::UsernsSettings>();
    if (userns.mode != "private") continue;
    for (const IdMapping& m : userns.uid_map) uids.push_back({m.host_id, m.size});
    for (const IdMapping& m : userns.gid_map) gids.push_back({m.host_id, m.size});
  }
}

void resolve_auto(container::Context& ctx, std::string_view options_text,
                  const std::vector<std::string>& image_layers, const SubidFiles& files,
                  container::UsernsSettings& userns) {
  auto options = runtime::parse_auto_userns_options(options_text);
  auto uid_ranges = runtime::read_subid_ranges(files.subuid, subid_owners(kAutoUser, false));
  auto gid_ranges = runtime::read_subid_ranges(files.subgid, subid_owners(kAutoUser, true));
  if (uid_ranges.empty() || gid_ranges.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "--userns=auto needs subordinate IDs of user \"{}\", and {} has none: add a line such "
         "as \"{}:2147483647:2147483648\"",
         kAutoUser, uid_ranges.empty() ? files.subuid : files.subgid, kAutoUser);
  }
  std::uint32_t size = options.size.value_or(0);
  if (size == 0) {
    size = estimate_auto_size(read_from_image(image_layers, "etc/passwd"),
                              read_from_image(image_layers, "etc/group"));
  }
  std::vector<IdRange> used_uids, used_gids;
  // NOTE: two creates at the same moment can pick the same free range,
  // because nothing locks the database between this read and the insert.
  collect_used_ranges(ctx, used_uids, used_gids);
  userns.uid_map = runtime::allocate_auto_map(uid_ranges, used_uids, size, options.uid_mappings);
  userns.gid_map = runtime::allocate_auto_map(gid_ranges, used_gids, size, options.gid_mappings);
}

std::vector<IdMapping> subid_map(const std::string& name, bool group, const std::string& file) {
  auto ranges = runtime::read_subid_ranges(file, subid_owners(name, group));
  if (ranges.empty()) {
    fail(ErrorCode::kInvalidArgument, "no {} ranges found for {} \"{}\" in {}",
         group ? "subgid" : "subuid", group ? "group" : "user", name, file);
  }
  return runtime::map_subid_ranges(ranges);
}

// Sets userns for --userns=container:NAME: the maps of that container, so
// the new container's files get the same host IDs, and its full ID, so a
// start joins the namespace of its process (userns_start.cpp).
void join_container_userns(container::Context& ctx, const std::string& name,
                           container::UsernsSettings& userns) {
  auto owner = with_context("looking up container to share user namespace with",
                            [&] { return container::find(ctx, name); });
  auto owner_config = nlohmann::json::parse(owner.config).get<container::ContainerConfig>();
  // A container in the host's user namespace shares it by running in it.
  if (!owner_config.userns.enabled()) return;
  userns.uid_map = owner_config.userns.uid_map;
  userns.gid_map = owner_config.userns.gid_map;
  userns.mode = "container:" + owner.id;
}

// Sets userns from --userns (a mode other than host).
void resolve_mode(container::Context& ctx, const std::string& mode,
                  const std::vector<std::string>& image_layers, const SubidFiles& files,
                  container::UsernsSettings& userns) {
  if (mode == "private") {
    fail(ErrorCode::kInvalidArgument,
         "--userns=private must provide at least one UID or GID mapping to configure a user "
         "namespace: add --uidmap and --gidmap, or use --userns=auto");
  }
  std::string_view name = std::string_view(mode).substr(0, mode.find(':'));
  if (name == "keep-id" || name == "nomap") {
    fail(ErrorCode::kInvalidArgument, "--userns={}: {} is only supported in rootless mode", mode,
         name);
  }
  if (name == "auto") {
    auto colon = mode.find(':');
    resolve_auto(ctx, colon == std::string::npos ? "" : std::string_view(mode).substr(colon + 1),
                 image_layers, files, userns);
    userns.mode = "private";
    return;
  }
  if (name == "ns" && mode.size() > 3) {
    std::string path = mode.substr(3);
    auto maps = with_context(fmt::format("--userns=\"{}\"", mode),
                             [&] { return container::read_namespace_maps(path); });
    userns.uid_map = maps.uids;
    userns.gid_map = maps.gids;
    userns.mode = mode;
    return;
  }
  if (name == "container" && mode.size() > 10) {
    join_container_userns(ctx, mode.substr(10), userns);
    return;
  }
  fail(ErrorCode::kInvalidArgument,
       "unrecognized namespace mode {} passed: use host, private, auto[:OPTIONS], keep-id, nomap "
       "or ns:PATH",
       mode);
}

}  // namespace

std::optional<runtime::IdMaps> explicit_id_maps(const UsernsFlags& flags,
                                               const SubidFiles& files) {
  bool maps = !flags.uidmap.empty() || !flags.gidmap.empty();
  bool subid = !flags.subuidname.empty() || !flags.subgidname.empty();
  if (!flags.userns.empty() && (maps || subid)) {
    fail(ErrorCode::kInvalidArgument,
         "--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive");
  }
  if (maps && subid) {
    fail(ErrorCode::kInvalidArgument,
         "--uidmap/--gidmap and --subuidname/--subgidname are mutually exclusive");
  }
  if (maps) return runtime::build_id_maps(flags.uidmap, flags.gidmap);
  if (!subid) return std::nullopt;
  // One name stands for both when only one is given, as in Podman.
  const std::string& user = flags.subuidname.empty() ? flags.subgidname : flags.subuidname;
  const std::string& group = flags.subgidname.empty() ? flags.subuidname : flags.subgidname;
  return runtime::IdMaps{subid_map(user, false, files.subuid), subid_map(group, true, files.subgid)};
}

std::uint32_t estimate_auto_size(const std::string& passwd, const std::string& group) {
  std::uint32_t largest = std::max(max_id(passwd, {2, 3}), max_id(group, {2}));
  return std::max(largest + 1, kAutoMinSize);
}

void apply_userns_flags(container::Context& ctx, const UsernsFlags& flags,
                        const state::ImageRecord& image, container::ContainerConfig& config,
                        const SubidFiles& files) {
  auto& userns = config.userns;
  std::vector<std::string> image_layers;  // top-most first
  for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) {
    if (ctx.layers().has(*it)) image_layers.push_back(ctx.layers().diff_path(*it));
  }
  // Groups.
  for (const auto& group : flags.group_add) {
    // Podman ignores an empty --group-add value.
    if (group.empty()) continue;
    if (group == "keep-groups") {
      if (flags.group_add.size() > 1) {
        fail(ErrorCode::kInvalidArgument,
             "the '--group-add keep-groups' option is not allowed with any other --group-add "
             "options");
      }
      userns.keep_groups = true;
      config.annotations["run.oci.keep_original_groups"] = "1";
    } else {
      userns.group_add.push_back(group);
    }
  }

  userns.requested = flags.userns;
  if (auto maps = explicit_id_maps(flags, files)) {
    userns.uid_map = maps->uids;
    userns.gid_map = maps->gids;
    userns.mode = "private";
  } else if (!flags.userns.empty() && flags.userns != "host") {
    resolve_mode(ctx, flags.userns, image_layers, files, userns);
  }
  if (userns.enabled()) {
    spdlog::debug("user namespace: UID map {}, GID map {}",
                  fmt::join(runtime::format_id_map(userns.uid_map), ","),
                  fmt::join(runtime::format_id_map(userns.gid_map), ","));
  }
}

nlohmann::json userns_inspect_json(const container::ContainerConfig& config) {
  const auto& userns = config.userns;
  nlohmann::json out = {{"UsernsMode", userns.mode},
                        {"GroupAdd", userns.keep_groups
                                         ? std::vector<std::string>{"keep-groups"}
                                         : userns.group_add}};
  if (userns.enabled()) {
    out["IDMappings"] = {{"UidMap", runtime::format_id_map(userns.uid_map)},
                         {"GidMap", runtime::format_id_map(userns.gid_map)}};
  }
  return out;
}

}  // namespace berth::engine
