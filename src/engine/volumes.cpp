// Volumes: the volume commands of LocalEngine, and the mount flags of
// create turned into a container's mounts.

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/mounts.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "events/events.hpp"
#include "volume/volume_store.hpp"

namespace berth::engine {

namespace {

using volume::MountType;

std::string current_directory() {
  char buffer[4096];
  if (::getcwd(buffer, sizeof buffer) == nullptr) fail_errno(errno, "reading the working directory");
  return buffer;
}

// Maps each volume name to the IDs of the containers that mount it, and
// each container to whether it runs.
struct VolumeUsage {
  std::map<std::string, std::vector<std::string>> containers;
  std::map<std::string, std::int64_t> running;
};

VolumeUsage volume_usage(container::Context& ctx) {
  VolumeUsage usage;
  for (const auto& record : ctx.db().list_containers()) {
    auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
    for (const auto& mount : config.volumes) {
      if (mount.type != MountType::kVolume) continue;
      usage.containers[mount.source].push_back(record.id);
      if (record.status == "running") ++usage.running[mount.source];
    }
  }
  return usage;
}

VolumeReport make_report(container::Context& ctx, const state::VolumeRecord& record,
                         const VolumeUsage& usage) {
  VolumeReport report;
  report.name = record.name;
  report.driver = record.driver;
  report.mountpoint = volume::VolumeStore(ctx.db(), ctx.paths().root).data_dir(record.name);
  report.created_ns = record.created_ns;
  report.labels = nlohmann::json::parse(record.labels);
  report.options = nlohmann::json::parse(record.options);
  report.needs_copy_up = record.needs_copy_up;
  report.needs_chown = record.needs_chown;
  report.anonymous = record.anonymous;
  if (auto it = usage.containers.find(record.name); it != usage.containers.end()) {
    report.containers = it->second;
  }
  // A plain local volume is a directory, and Podman counts no mounts for
  // it. A volume with a device or tmpfs of its own counts its running users.
  if (report.options.contains("type")) {
    if (auto it = usage.running.find(record.name); it != usage.running.end()) {
      report.mount_count = it->second;
    }
  }
  return report;
}

// One --filter KEY=VALUE of volume ls and prune.
struct VolumeFilter {
  std::string key;
  std::string value;
};

std::vector<VolumeFilter> parse_filters(const std::vector<std::string>& filters,
                                        const std::set<std::string>& allowed) {
  std::vector<VolumeFilter> result;
  for (const auto& filter : filters) {
    auto equals = filter.find('=');
    std::string key = filter.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : filter.substr(equals + 1);
    // "label!=x" splits as key "label!" and value "x".
    if (!allowed.contains(key)) {
      std::string names;
      for (const auto& name : allowed) names += (names.empty() ? "" : ", ") + name;
      fail(ErrorCode::kInvalidArgument, "\"{}\" is an invalid volume filter: use {}", key, names);
    }
    if (equals == std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "invalid volume filter \"{}\": expected KEY=VALUE",
           filter);
    }
    result.push_back({key, value});
  }
  return result;
}

bool label_matches(const nlohmann::json& labels, const std::string& wanted) {
  auto equals = wanted.find('=');
  std::string key = wanted.substr(0, equals);
  if (!labels.contains(key)) return false;
  return equals == std::string::npos || labels[key] == wanted.substr(equals + 1);
}

bool parse_bool_filter(const VolumeFilter& filter) {
  if (filter.value == "true" || filter.value == "1") return true;
  if (filter.value == "false" || filter.value == "0") return false;
  fail(ErrorCode::kInvalidArgument, "invalid volume filter \"{}={}\": use true or false",
       filter.key, filter.value);
}

bool filter_matches(const VolumeFilter& filter, const VolumeReport& report) {
  const auto& key = filter.key;
  if (key == "name") {
    try {
      return std::regex_search(report.name, std::regex(filter.value));
    } catch (const std::regex_error&) {
      fail(ErrorCode::kInvalidArgument, "invalid volume filter \"name={}\": not a valid regular "
           "expression", filter.value);
    }
  }
  if (key == "driver") return report.driver == filter.value;
  if (key == "label") return label_matches(report.labels, filter.value);
  if (key == "label!") return !label_matches(report.labels, filter.value);
  if (key == "dangling") return parse_bool_filter(filter) == report.containers.empty();
  if (key == "until") return report.created_ns < parse_time_or_duration(filter.value);
  if (key == "scope") return report.scope == filter.value;
  return false;
}

// Filters with the same key match when any of them does (label! when all
// do); different keys must all match.
bool filters_match(const std::vector<VolumeFilter>& filters, const VolumeReport& report) {
  std::map<std::string, std::vector<const VolumeFilter*>> by_key;
  for (const auto& filter : filters) by_key[filter.key].push_back(&filter);
  for (const auto& [key, group] : by_key) {
    bool all = key == "label!";
    bool matched = all;
    for (const auto* filter : group) {
      bool hit = filter_matches(*filter, report);
      matched = all ? matched && hit : matched || hit;
    }
    if (!matched) return false;
  }
  return true;
}

// Parses --volumes-from CONTAINER[:OPTIONS]; OPTIONS may set ro or rw.
std::pair<std::string, std::optional<bool>> parse_volumes_from(const std::string& value) {
  auto colon = value.find(':');
  std::string container = value.substr(0, colon);
  std::optional<bool> read_only;
  if (container.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid --volumes-from \"{}\": the container is empty",
         value);
  }
  if (colon != std::string::npos) {
    for (std::size_t start = colon + 1; start <= value.size();) {
      auto comma = value.find(',', start);
      std::string option = value.substr(start, comma - start);
      if (option == "ro" || option == "rw") {
        if (read_only) {
          fail(ErrorCode::kInvalidArgument,
               "invalid --volumes-from \"{}\": give only one of ro and rw", value);
        }
        read_only = option == "ro";
      } else if (option != "z" && option != "Z") {
        fail(ErrorCode::kInvalidArgument,
             "invalid --volumes-from \"{}\": unknown option \"{}\": use ro, rw, z or Z", value,
             option);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return {container, read_only};
}

bool destination_taken(const std::vector<container::VolumeMount>& mounts,
                       const std::string& destination) {
  for (const auto& mount : mounts) {
    if (mount.destination == destination) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> LocalEngine::resolve_mounts(const CreateRequest& request,
                                                     const nlohmann::json& image_config,
                                                     container::ContainerConfig& config) {
  const auto& flags = request.mount_flags;
  std::string cwd = flags.cwd.empty() ? current_directory() : flags.cwd;
  std::vector<container::VolumeMount> mounts;
  auto add_user_mount = [&](volume::MountSpec mount, const std::string& value) {
    if (destination_taken(mounts, mount.destination)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid mount \"{}\": duplicate mount destination \"{}\": mount each path once", value,
           mount.destination);
    }
    // A missing bind source fails the create (exit 125), as in Podman,
    // rather than the later start.
    struct stat st;
    if (mount.type == MountType::kBind && ::stat(mount.source.c_str(), &st) != 0) {
      // A bad request, not a missing object, so the REST routes reply 400.
      if (errno == ENOENT) {
        fail(ErrorCode::kInvalidArgument,
             "bind mount source \"{}\" for \"{}\" does not exist: create it or name another path",
             mount.source, mount.destination);
      }
      fail_errno(errno, "bind mount source \"" + mount.source + "\" for \"" +
                            mount.destination + "\"");
    }
    mounts.push_back(std::move(mount));
  };
  for (const auto& value : request.volumes) add_user_mount(volume::parse_volume_flag(value, cwd), value);
  for (const auto& value : flags.mounts) add_user_mount(volume::parse_mount_flag(value, cwd), value);
  for (const auto& value : flags.tmpfs) add_user_mount(volume::parse_tmpfs_flag(value), value);

  // --volumes-from copies the other container's binds and volumes, except
  // where this container mounts something of its own.
  for (const auto& value : flags.volumes_from) {
    auto [name, read_only] = parse_volumes_from(value);
    auto source = container::find(ctx_, name);
    auto source_config = nlohmann::json::parse(source.config).get<container::ContainerConfig>();
    for (auto mount : source_config.volumes) {
      if (mount.type == MountType::kTmpfs || destination_taken(mounts, mount.destination)) continue;
      if (read_only) mount.read_only = *read_only;
      // The volume stays the other container's: rm -v here must not remove it.
      mount.anonymous = false;
      mounts.push_back(std::move(mount));
    }
  }
  // The image's VOLUME entries become anonymous volumes, as in Podman.
  if (image_config.contains("Volumes") && image_config["Volumes"].is_object()) {
    for (const auto& [path, _] : image_config["Volumes"].items()) {
      std::string destination = volume::clean_path(path);
      if (path.empty() || path.front() != '/' || destination_taken(mounts, destination)) continue;
      mounts.push_back(volume::parse_volume_flag(destination, cwd));
    }
  }

  volume::VolumeStore store(ctx_.db(), ctx_.paths().root);
  std::vector<std::string> created;
  try {
    for (auto& mount : mounts) {
      if (mount.type == MountType::kImage) {
        mount.image_id = require_image(mount.source).id;
      }
      if (mount.type != MountType::kVolume) continue;
      if (mount.anonymous && mount.source.empty()) {
        volume::VolumeCreateOptions options;
        options.anonymous = true;
        options.options = mount.volume_options;
        mount.source = store.create(options).name;
        created.push_back(mount.source);
      } else if (!store.find(mount.source)) {
        // A named volume is created on first use.
        volume::VolumeCreateOptions options;
        options.name = mount.source;
        options.options = mount.volume_options;
        try {
          store.create(options);
          created.push_back(mount.source);
        } catch (const Error& e) {
          // Another process created it meanwhile.
          if (e.code() != ErrorCode::kAlreadyExists) throw;
        }
      }
    }
  } catch (...) {
    for (const auto& name : created) store.remove(name);
    throw;
  }
  config.volumes = std::move(mounts);
  config.read_only_rootfs = flags.read_only;
  config.read_only_tmpfs = flags.read_only_tmpfs;
  return created;
}

std::string LocalEngine::volume_create(const VolumeCreateRequest& request) {
  volume::VolumeStore store(ctx_.db(), ctx_.paths().root);
  if (request.ignore && !request.name.empty() && store.find(request.name)) return request.name;
  volume::VolumeCreateOptions options;
  options.name = request.name;
  options.driver = request.driver;
  options.options = request.options;
  options.labels = request.labels;
  try {
    std::string name = store.create(options).name;
    events::write_volume(ctx_.db(), "create", name);
    return name;
  } catch (const Error& e) {
    if (!request.ignore || e.code() != ErrorCode::kAlreadyExists) throw;
    return request.name;
  }
}

std::vector<VolumeReport> LocalEngine::list_volumes(const std::vector<std::string>& filters) {
  auto parsed = parse_filters(
      filters, {"name", "label", "label!", "driver", "dangling", "until", "scope"});
  auto usage = volume_usage(ctx_);
  std::vector<VolumeReport> result;
  for (const auto& record : ctx_.db().list_volumes()) {
    auto report = make_report(ctx_, record, usage);
    if (filters_match(parsed, report)) result.push_back(std::move(report));
  }
  return result;
}

VolumeReport LocalEngine::inspect_volume(const std::string& name) {
  auto record = volume::VolumeStore(ctx_.db(), ctx_.paths().root).require(name);
  return make_report(ctx_, record, volume_usage(ctx_));
}

void LocalEngine::volume_remove(const std::string& name, bool force, std::optional<int> timeout) {
  volume::VolumeStore store(ctx_.db(), ctx_.paths().root);
  store.require(name);
  auto users = container::containers_using_volume(ctx_, name);
  if (!users.empty() && !force) {
    std::string ids;
    for (const auto& id : users) ids += (ids.empty() ? "" : ", ") + id;
    fail(ErrorCode::kConflict,
         "volume {} is being used by the following container(s): {}: remove them first or use "
         "--force",
         name, ids);
  }
  // With --force, as Podman: the containers that use the volume go first.
  for (const auto& id : users) {
    auto record = container::find(ctx_, id);
    if (timeout && record.status == "running") container::stop(ctx_, record, timeout);
    container::remove(ctx_, record, true);
  }
  store.remove(name);
  events::write_volume(ctx_.db(), "remove", name);
}

std::vector<std::string> LocalEngine::volume_prune(const std::vector<std::string>& filters) {
  auto parsed = parse_filters(filters, {"label", "label!", "until"});
  volume::VolumeStore store(ctx_.db(), ctx_.paths().root);
  auto usage = volume_usage(ctx_);
  std::vector<std::string> removed;
  for (const auto& record : ctx_.db().list_volumes()) {
    auto report = make_report(ctx_, record, usage);
    if (!report.containers.empty() || !filters_match(parsed, report)) continue;
    // A container created since the usage was read may use it now.
    if (!container::containers_using_volume(ctx_, record.name).empty()) continue;
    store.remove(record.name);
    events::write_volume(ctx_.db(), "remove", record.name);
    removed.push_back(record.name);
  }
  return removed;
}

bool LocalEngine::volume_exists(const std::string& name) {
  return ctx_.db().get_volume(name).has_value();
}

std::vector<std::string> LocalEngine::anonymous_volumes(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  auto config = nlohmann::json::parse(record.config).get<container::ContainerConfig>();
  std::vector<std::string> names;
  for (const auto& mount : config.volumes) {
    if (mount.type == MountType::kVolume && mount.anonymous) names.push_back(mount.source);
  }
  return names;
}

}  // namespace berth::engine
