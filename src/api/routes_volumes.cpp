// Volume routes of both APIs (list, create, inspect, exists, delete and
// prune) and system df, which reports the disk use of images, containers
// and volumes.

#include <algorithm>
#include <map>

#include "api/compat_container_status.hpp"
#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/engine.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

std::vector<std::string> query_filters(Exchange& x) {
  return parse_filters(x.query().get("filters").value_or(""));
}

// A volume in Podman's inspect shape, which Docker's volume object shares
// apart from Podman's extra fields.
ordered_json volume_json(const engine::VolumeReport& v, bool libpod) {
  ordered_json out = {{"Name", v.name},
                      {"Driver", v.driver},
                      {"Mountpoint", v.mountpoint},
                      {"CreatedAt", format_rfc3339_nano(v.created_ns)},
                      {"Labels", v.labels},
                      {"Scope", v.scope},
                      {"Options", v.options}};
  if (libpod) {
    out["MountCount"] = v.mount_count;
    out["NeedsCopyUp"] = v.needs_copy_up;
    out["NeedsChown"] = v.needs_chown;
    out["Anonymous"] = v.anonymous;
  }
  return out;
}

void list(Exchange& x) {
  ordered_json volumes = ordered_json::array();
  for (const auto& v : x.engine().list_volumes(query_filters(x))) {
    volumes.push_back(volume_json(v, x.libpod()));
  }
  if (x.libpod()) {
    x.reply_json(status::ok, volumes);
    return;
  }
  x.reply_json(status::ok, ordered_json{{"Volumes", volumes}, {"Warnings", json::array()}});
}

// The compat API's message for a missing volume: the engine's message
// names `berth volume ls`, which means nothing to a Docker client. Libpod
// clients (a remote berth among them) get the engine's message, so that a
// remote command prints what the local one does.
[[noreturn]] void volume_not_found(const std::string& name) {
  fail(ErrorCode::kNotFound, "no volume with name \"{}\" found: no such volume", name);
}

// Runs action, turning the engine's "no such volume" into the compat one.
template <typename Action>
auto on_volume(Exchange& x, Action action) {
  try {
    return action(x.param("name"));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound && !x.libpod()) volume_not_found(x.param("name"));
    throw;
  }
}

void inspect(Exchange& x) {
  auto volume = on_volume(x, [&](const std::string& name) {
    return x.engine().inspect_volume(name);
  });
  x.reply_json(status::ok, volume_json(volume, x.libpod()));
}

void exists(Exchange& x) {
  if (!x.engine().volume_exists(x.param("name"))) volume_not_found(x.param("name"));
  x.reply_empty(status::no_content);
}

// Appends the {"KEY": "VALUE"} object body[key] to out as KEY=VALUE strings.
void add_key_values(const json& body, const char* key, std::vector<std::string>& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return;
  if (!it->is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} in the request body: expected an object of strings", key);
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid {}.{} in the request body: expected a string", key,
           k);
    }
    out.push_back(k + "=" + v.get<std::string>());
  }
}

std::string string_member(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return "";
  if (!it->is_string()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: expected a string", key);
  }
  return it->get<std::string>();
}

// Docker's body is {Name, Driver, DriverOpts, Labels}; Podman's is {Name,
// Driver, Options, Label, IgnoreIfExists}.
void create(Exchange& x) {
  json body = x.json_body();
  if (!body.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid request body: expected a JSON object");
  }
  engine::VolumeCreateRequest request;
  request.name = string_member(body, "Name");
  if (std::string driver = string_member(body, "Driver"); !driver.empty()) {
    request.driver = driver;
  }
  add_key_values(body, x.libpod() ? "Options" : "DriverOpts", request.options);
  add_key_values(body, x.libpod() ? "Label" : "Labels", request.labels);
  if (x.libpod()) {
    add_key_values(body, "Labels", request.labels);
    if (auto it = body.find("IgnoreIfExists"); it != body.end() && it->is_boolean()) {
      request.ignore = it->get<bool>();
    }
  } else {
    // Docker returns the existing volume for a name in use.
    request.ignore = true;
  }
  std::string name = x.engine().volume_create(request);
  x.reply_json(status::created, volume_json(x.engine().inspect_volume(name), x.libpod()));
}

void remove(Exchange& x) {
  std::optional<int> timeout;
  if (auto seconds = x.query().integer("timeout")) timeout = static_cast<int>(*seconds);
  on_volume(x, [&](const std::string& name) {
    x.engine().volume_remove(name, x.query().flag("force", false), timeout);
  });
  x.reply_empty(status::no_content);
}

// The bytes each volume takes, from system df.
std::map<std::string, std::int64_t> volume_sizes(Exchange& x) {
  std::map<std::string, std::int64_t> sizes;
  for (const auto& v : x.engine().disk_usage().volumes) sizes[v.name] = v.size;
  return sizes;
}

void prune(Exchange& x) {
  auto sizes = volume_sizes(x);
  auto removed = x.engine().volume_prune(query_filters(x));
  std::int64_t reclaimed = 0;
  json reports = json::array();
  for (const auto& name : removed) {
    std::int64_t size = sizes.contains(name) ? sizes[name] : 0;
    reclaimed += size;
    reports.push_back({{"Id", name}, {"Err", nullptr}, {"Size", size}});
  }
  if (x.libpod()) {
    x.reply_json(status::ok, reports);
    return;
  }
  x.reply_json(status::ok, json{{"VolumesDeleted", removed}, {"SpaceReclaimed", reclaimed}});
}

// Docker's system df: images and containers in their list shapes, volumes
// with UsageData. Fields berth does not track are zero.
ordered_json docker_disk_usage(Exchange& x, const engine::DiskUsageReport& report) {
  ordered_json images = ordered_json::array();
  std::int64_t layers_size = 0;
  for (const auto& image : report.images) {
    layers_size += image.size - image.shared_size;
    ordered_json tags = ordered_json::array();
    if (image.repository != "<none>") tags.push_back(image.repository + ":" + image.tag);
    images.push_back({{"Id", "sha256:" + image.id},
                      {"ParentId", ""},
                      {"RepoTags", tags},
                      {"RepoDigests", ordered_json::array()},
                      {"Created", image.created_ns / 1000000000},
                      {"Size", image.size},
                      {"SharedSize", image.shared_size},
                      {"VirtualSize", image.size},
                      {"Labels", ordered_json::object()},
                      {"Containers", image.containers}});
  }
  // Status is the text `docker ps` shows ("Up 5 seconds"), which the
  // container list computes.
  std::map<std::string, engine::ContainerSummary> summaries;
  for (auto& c : x.engine().list_containers(true)) summaries[c.id] = std::move(c);
  std::int64_t now = now_ns();
  ordered_json containers = ordered_json::array();
  for (const auto& c : report.containers) {
    auto summary = summaries.find(c.id);
    std::string status_text =
        summary != summaries.end() ? compat_status_text(summary->second, now) : c.status;
    containers.push_back({{"Id", c.id},
                          {"Names", {"/" + c.name}},
                          {"Image", c.image},
                          {"Command", c.command},
                          {"Created", c.created_ns / 1000000000},
                          {"SizeRw", c.size},
                          {"SizeRootFs", c.size},
                          {"State", docker_state(c.status)},
                          {"Status", status_text},
                          {"Labels", ordered_json::object()},
                          {"Mounts", ordered_json::array()}});
  }
  ordered_json volumes = ordered_json::array();
  for (const auto& v : report.volumes) {
    ordered_json item = volume_json(x.engine().inspect_volume(v.name), false);
    item["UsageData"] = {{"Size", v.size}, {"RefCount", v.links}};
    volumes.push_back(item);
  }
  // Shared layers count once, as the largest shared size of any image: the
  // estimate `system df` prints, exact when all images share the same layers.
  std::int64_t shared = 0;
  for (const auto& image : report.images) shared = std::max(shared, image.shared_size);
  layers_size += shared;
  return {{"LayersSize", layers_size},
          {"Images", images},
          {"Containers", containers},
          {"Volumes", volumes},
          {"BuildCache", ordered_json::array()}};
}

// Podman's system df: the same three lists under Podman's field names.
// Command is a list there, taken from the container list.
ordered_json podman_disk_usage(Exchange& x, const engine::DiskUsageReport& report) {
  std::map<std::string, std::vector<std::string>> commands;
  for (const auto& c : x.engine().list_containers(true)) commands[c.id] = c.command;
  ordered_json images = ordered_json::array();
  std::int64_t images_size = 0;
  for (const auto& image : report.images) {
    images_size += image.size - image.shared_size;
    images.push_back({{"Repository", image.repository},
                      {"Tag", image.tag},
                      {"ImageID", image.id},
                      {"Created", format_rfc3339_nano(image.created_ns)},
                      {"Size", image.size},
                      {"SharedSize", image.shared_size},
                      {"UniqueSize", image.size - image.shared_size},
                      {"Containers", image.containers}});
  }
  ordered_json containers = ordered_json::array();
  for (const auto& c : report.containers) {
    auto command = commands.find(c.id);
    containers.push_back({{"ContainerID", c.id},
                          {"Image", c.image},
                          {"Command", command != commands.end() ? command->second
                                                                 : std::vector<std::string>{}},
                          {"LocalVolumes", c.local_volumes},
                          {"Size", c.size},
                          {"RWSize", c.size},
                          {"Created", format_rfc3339_nano(c.created_ns)},
                          {"Status", c.status},
                          {"Names", c.name}});
  }
  ordered_json volumes = ordered_json::array();
  for (const auto& v : report.volumes) {
    volumes.push_back({{"VolumeName", v.name},
                       {"Links", v.links},
                       {"Size", v.size},
                       {"ReclaimableSize", v.links == 0 ? v.size : 0}});
  }
  return {{"ImagesSize", images_size},
          {"Images", images},
          {"Containers", containers},
          {"Volumes", volumes}};
}

void disk_usage(Exchange& x) {
  auto report = x.engine().disk_usage();
  x.reply_json(status::ok, x.libpod() ? podman_disk_usage(x, report) : docker_disk_usage(x, report));
}

}  // namespace

void add_volume_routes(Router& router) {
  router.add(verb::get, "/volumes", list);
  router.add(verb::post, "/volumes/create", create);
  router.add(verb::get, "/volumes/{name}", inspect);
  router.add(verb::delete_, "/volumes/{name}", remove);
  router.add(verb::post, "/volumes/prune", prune);
  router.add(verb::get, "/libpod/volumes/json", list);
  router.add(verb::post, "/libpod/volumes/create", create);
  router.add(verb::get, "/libpod/volumes/{name}/json", inspect);
  router.add(verb::get, "/libpod/volumes/{name}/exists", exists);
  router.add(verb::delete_, "/libpod/volumes/{name}", remove);
  router.add(verb::post, "/libpod/volumes/prune", prune);
  router.add(verb::get, "/system/df", disk_usage);
  router.add(verb::get, "/libpod/system/df", disk_usage);
}

}  // namespace berth::api
