// Committing a container: its changes (the overlay upper directory) become
// a new layer on top of its image's layers, and its settings become the new
// image's config, as Podman does.

#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "engine/local_image.hpp"
#include "engine/scratch_dir.hpp"
#include "engine/tag.hpp"
#include "image/config_change.hpp"
#include "image/manifest.hpp"
#include "os/file.hpp"
#include "runtime/oci_runtime.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

namespace {

using nlohmann::json;

// Freezes a running container's processes with the cgroup freezer for the
// life of this object (--pause), so its files do not change while they are
// read. Uses the cgroup that start gives the container, "/berth/<id>".
// NOTE: the tests run on a cgroup v1 host, so the v2 branch (cgroup.freeze)
// has not been run.
class FrozenContainer {
 public:
  explicit FrozenContainer(const std::string& id) {
    if (runtime::detect_cgroup_mode() == runtime::CgroupMode::kUnified) {
      std::string dir = "/sys/fs/cgroup/berth/" + id;
      control_ = dir + "/cgroup.freeze";
      thaw_value_ = "0";
      freeze("1", dir + "/cgroup.events", "frozen 1");
    } else {
      std::string dir = "/sys/fs/cgroup/freezer/berth/" + id;
      control_ = dir + "/freezer.state";
      thaw_value_ = "THAWED";
      freeze("FROZEN", control_, "FROZEN");
    }
  }

  ~FrozenContainer() {
    try {
      write_control(thaw_value_);
    } catch (const Error& e) {
      spdlog::warn("resuming the paused container: {}", e.what());
    }
  }

  FrozenContainer(const FrozenContainer&) = delete;
  FrozenContainer& operator=(const FrozenContainer&) = delete;

 private:
  // Writes value and waits until state_file contains frozen_text: a freeze
  // takes effect once every task of the cgroup has stopped.
  void freeze(const std::string& value, const std::string& state_file,
              const std::string& frozen_text) {
    write_control(value);
    constexpr auto kTimeout = std::chrono::seconds(10);
    auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (os::read_file(state_file).find(frozen_text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) {
        write_control(thaw_value_);
        fail(ErrorCode::kUnavailable,
             "pausing the container timed out after 10 s: commit without --pause");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void write_control(const std::string& value) {
    auto fd = os::open_file(control_, O_WRONLY);
    os::write_all(fd.get(), value);
  }

  std::string control_;
  std::string thaw_value_;
};

// Returns the image's "config" object with the container's settings, which
// Podman keeps in a commit: environment, command, entrypoint, working
// directory, user, exposed ports, stop signal and labels.
// The paths (relative to the root) that the runtime mounts over in this
// container: when the image lacks them, it creates empty stubs for them,
// which belong to no commit.
std::set<std::string> runtime_mount_points(const container::ContainerConfig& settings) {
  std::set<std::string> points = {"dev",       "proc",          "sys",
                                  "etc/hosts", "etc/hostname",  "etc/resolv.conf",
                                  "run/.containerenv"};
  for (const auto& volume : settings.volumes) {
    std::string path = volume.destination;
    while (path.starts_with("/")) path.erase(0, 1);
    while (path.ends_with("/")) path.pop_back();
    if (!path.empty()) points.insert(path);
  }
  return points;
}

json container_settings(const json& base_config, const container::ContainerConfig& settings) {
  json config = base_config.is_object() ? base_config : json::object();
  auto set_or_erase = [&](const char* key, bool set, const json& value) {
    if (set) {
      config[key] = value;
    } else {
      config.erase(key);
    }
  };
  set_or_erase("Env", !settings.env.empty(), settings.env);
  set_or_erase("Cmd", !settings.cmd.empty(), settings.cmd);
  set_or_erase("Entrypoint", !settings.entrypoint.empty(), settings.entrypoint);
  // "/" is also what a container gets without any working directory.
  set_or_erase("WorkingDir", settings.working_dir != "/" || config.contains("WorkingDir"),
               settings.working_dir);
  set_or_erase("User", !settings.user.empty(), settings.user);
  json ports = json::object();
  for (const auto& port : settings.exposed_ports) ports[port] = json::object();
  set_or_erase("ExposedPorts", !ports.empty(), ports);
  set_or_erase("StopSignal", settings.stop_signal != "SIGTERM" || config.contains("StopSignal"),
               settings.stop_signal);
  set_or_erase("Labels", settings.labels.is_object() && !settings.labels.empty(), settings.labels);
  return config;
}

json history_entry(const std::string& created, const CommitRequest& request,
                   const std::string& base_name) {
  json entry = {{"created", created}, {"created_by", "/bin/sh"}};
  if (!request.author.empty()) entry["author"] = request.author;
  entry["comment"] = request.message.empty() ? "FROM " + base_name : request.message;
  return entry;
}

// Returns the base image's layer blobs from its stored manifest, one per
// layer, or empty descriptors when the manifest does not match the layers.
std::vector<image::Descriptor> base_layer_blobs(const state::ImageRecord& base) {
  std::vector<image::Descriptor> blobs(base.layers.size());
  if (base.manifest.empty()) return blobs;
  try {
    auto manifest = image::parse_manifest(base.manifest, base.manifest_type);
    if (manifest.layers.size() == base.layers.size()) return manifest.layers;
  } catch (const Error& e) {
    spdlog::debug("ignoring the stored manifest of image {}: {}", base.id, e.what());
  }
  return blobs;
}

}  // namespace

std::string LocalEngine::commit(const CommitRequest& request, PullProgress& progress) {
  if (request.format != "oci" && request.format != "docker") {
    fail(ErrorCode::kInvalidArgument, "invalid --format \"{}\": use oci or docker", request.format);
  }
  bool docker_format = request.format == "docker";
  std::string name = request.image.empty() ? "" : normalize_tag_name(request.image);
  auto container = container::find(ctx_, request.container);
  auto base = ctx_.db().get_image(container.image_id);
  if (!base) {
    fail(ErrorCode::kNotFound, "image {} of container {} is no longer in the store",
         container.image_id.substr(0, 12), container.name);
  }
  auto settings = json::parse(container.config).get<container::ContainerConfig>();

  // Every check comes before the layer is written.
  json config = json::parse(base->config);
  std::string created = format_rfc3339_nano(now_ns());
  json image_config = container_settings(config.value("config", json::object()), settings);
  image::apply_config_changes(image_config, request.changes);
  check_stop_signal(image_config);
  if (!docker_format && image_config.contains("OnBuild")) {
    spdlog::warn(
        "ONBUILD is not supported for the OCI image format and is left out: use "
        "--format docker");
    image_config.erase("OnBuild");
  }
  config["config"] = image_config;
  config["created"] = created;
  if (request.author.empty()) {
    config.erase("author");
  } else {
    config["author"] = request.author;
  }
  config.erase("comment");
  if (docker_format && !request.message.empty()) config["comment"] = request.message;
  json history = config.value("history", json::array());
  if (request.squash) history = json::array();
  history.push_back(history_entry(created, request, container.image_name));
  config["history"] = history;

  // Shared against the exclusive lock of layer garbage collection, which
  // would otherwise delete the new layer before the image records it.
  os::FileLock store_lock(ctx_.paths().root + "/layers.lock", true);
  ScratchDir scratch(ctx_.paths().tmp(), "commit");
  std::string tar_path = scratch.path() + "/layer.tar";
  LayerTar tar;
  {
    ContainerFileSystem files(ctx_, container.id, request.squash);
    std::optional<FrozenContainer> frozen;
    if (request.pause && files.running()) frozen.emplace(container.id);
    tar = with_context(fmt::format("reading the files of container {}", container.name),
                       [&] {
                         return write_layer_tar(files.path(), tar_path,
                                                runtime_mount_points(settings));
                       });
  }
  ctx_.layers().add_from_blob(tar.diff_id, tar_path);

  LocalImage image;
  image.docker_format = docker_format;
  image.name = name;
  if (!request.squash) {
    image.diff_ids = base->layers;
    image.layer_blobs = base_layer_blobs(*base);
  }
  image.diff_ids.push_back(tar.diff_id);
  image::Descriptor new_blob;
  new_blob.digest = tar.diff_id;
  new_blob.size = tar.size;
  new_blob.media_type = std::string(image::media_type::kOciLayer);
  image.layer_blobs.push_back(new_blob);
  image.config = std::move(config);
  return with_context(fmt::format("committing container {}", container.name),
                      [&] { return record_local_image(ctx_, image, 1, progress); });
}

}  // namespace berth::engine
