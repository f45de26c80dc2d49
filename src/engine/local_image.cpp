#include "common/json_text.hpp"
#include "engine/local_image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "engine/image_size.hpp"
#include "os/file.hpp"
#include "storage/diff_tar.hpp"
#include "storage/layer_store.hpp"
#include "storage/overlay_mount.hpp"

namespace berth::engine {

namespace {

namespace mt = image::media_type;

// Docker schema 2 has an uncompressed layer type, which berth's manifest
// reader does not list because registries serve compressed layers.
constexpr std::string_view kDockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";

// Returns the descriptor of layer i in the target format: the base image's
// blob when its compression exists in that format, else the stored tar.
image::Descriptor layer_descriptor(container::Context& ctx, const LocalImage& image,
                                   std::size_t i) {
  image::Descriptor blob = image.layer_blobs[i];
  if (!blob.digest.empty()) {
    auto type = blob.media_type;
    if (image.docker_format && (type == mt::kOciLayerGzip || type == mt::kDockerLayerGzip)) {
      blob.media_type = std::string(mt::kDockerLayerGzip);
      return blob;
    }
    if (!image.docker_format && (type == mt::kOciLayerGzip || type == mt::kDockerLayerGzip)) {
      blob.media_type = std::string(mt::kOciLayerGzip);
      return blob;
    }
    if (!image.docker_format && type == mt::kOciLayerZstd) return blob;
    if ((type == mt::kOciLayer || type == kDockerLayerTar) && blob.digest == image.diff_ids[i]) {
      blob.media_type = std::string(image.docker_format ? kDockerLayerTar : mt::kOciLayer);
      return blob;
    }
  }
  // NOTE: the size of a stored tar is only known for layers this call
  // made; for others the size of the layer's files is used instead.
  image::Descriptor tar;
  tar.media_type = std::string(image.docker_format ? kDockerLayerTar : mt::kOciLayer);
  tar.digest = image.diff_ids[i];
  tar.size = blob.size > 0 ? blob.size : ctx.layers().size(image.diff_ids[i]);
  return tar;
}

nlohmann::ordered_json descriptor_json(const image::Descriptor& d) {
  nlohmann::ordered_json j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  return j;
}

// Returns "registry/repository" of a normalized "registry/repository:tag".
std::string repository_of(const std::string& name) {
  auto colon = name.rfind(':');
  auto slash = name.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return name;
  return name.substr(0, colon);
}

}  // namespace

ContainerFileSystem::ContainerFileSystem(container::Context& ctx, const std::string& container_id,
                                         bool merged, bool writable) {
  auto locked = container::lock_container(ctx, container_id);
  if (!locked.record) {
    fail(ErrorCode::kNotFound, "container {} was removed meanwhile", container_id);
  }
  lock_ = std::move(locked.lock);
  record_ = std::move(*locked.record);
  const auto& paths = ctx.paths();
  if (!merged) {
    path_ = paths.container_dir(record_.id) + "/diff";
    return;
  }
  if (running()) {
    path_ = paths.rootfs(record_.id);
    return;
  }
  auto image = ctx.db().get_image(record_.image_id);
  if (!image) {
    fail(ErrorCode::kNotFound, "image {} of container {} is no longer in the store",
         record_.image_id.substr(0, 12), record_.name);
  }
  // Read-only, the container's changes go on top as one more lower layer:
  // a whiteout or opaque directory in a lower layer hides what is below it
  // just as in the upper one.
  std::string dir = paths.container_dir(record_.id);
  std::vector<std::string> lowers;
  if (!writable) lowers.push_back(dir + "/diff");
  for (const auto& layer : image->layers) {
    if (!ctx.layers().has(layer)) {
      fail(ErrorCode::kNotFound, "layer {} of image {} is missing from the store: pull it again",
           layer, record_.image_id.substr(0, 12));
    }
  }
  for (auto& lower : ctx.layers().overlay_lowers(image->layers)) lowers.push_back(std::move(lower));
  std::string mount_point = paths.tmp() + "/rootfs-" + random_id().substr(0, 16);
  os::make_dirs(paths.tmp(), 0700);
  os::make_dirs(mount_point, 0700);
  try {
    if (writable) {
      os::make_dirs(dir + "/work", 0700);
      storage::mount_overlay(lowers, dir + "/diff", dir + "/work", mount_point);
    } else {
      storage::mount_overlay(lowers, "", "", mount_point);
    }
  } catch (const Error&) {
    ::rmdir(mount_point.c_str());
    throw;
  }
  mount_point_ = mount_point;
  path_ = mount_point;
}

ContainerFileSystem::~ContainerFileSystem() {
  if (mount_point_.empty()) return;
  try {
    storage::unmount(mount_point_);
    if (::rmdir(mount_point_.c_str()) != 0) fail_errno(errno, "removing " + mount_point_);
  } catch (const Error& e) {
    spdlog::warn("unmounting the file system of container {}: {}", record_.id.substr(0, 12),
                 e.what());
  }
}

void check_stop_signal(const nlohmann::json& image_config) {
  if (!image_config.contains("StopSignal")) return;
  with_context("invalid STOPSIGNAL",
               [&] { container::parse_signal(image_config["StopSignal"].get<std::string>()); });
}

LayerTar write_layer_tar(const std::string& dir, const std::string& path,
                         const std::set<std::string>& mount_points) {
  auto fd = os::open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  LayerTar tar;
  tar.diff_id = storage::write_diff_tar(dir, fd.get(), mount_points);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) fail_errno(errno, "reading the size of " + path);
  tar.size = st.st_size;
  return tar;
}

std::string record_local_image(container::Context& ctx, LocalImage& image, std::size_t new_layers,
                               PullProgress& progress) {
  image.config["rootfs"] = {{"type", "layers"}, {"diff_ids", image.diff_ids}};
  std::string config_text = json_text(image.config);
  std::string config_digest = sha256_digest(config_text);

  nlohmann::ordered_json manifest;
  manifest["schemaVersion"] = 2;
  manifest["mediaType"] = image.docker_format ? mt::kDockerManifest : mt::kOciManifest;
  image::Descriptor config_blob;
  config_blob.media_type = std::string(image.docker_format ? mt::kDockerConfig : mt::kOciConfig);
  config_blob.digest = config_digest;
  config_blob.size = static_cast<std::int64_t>(config_text.size());
  manifest["config"] = descriptor_json(config_blob);
  manifest["layers"] = nlohmann::ordered_json::array();
  std::size_t count = image.diff_ids.size();
  for (std::size_t i = 0; i < count; ++i) {
    auto blob = layer_descriptor(ctx, image, i);
    progress.copying_blob(blob.digest, i + new_layers < count);
    manifest["layers"].push_back(descriptor_json(blob));
  }
  progress.copying_config(config_digest);
  std::string manifest_text = manifest.dump();

  state::ImageRecord record;
  record.id = Digest::parse(config_digest).hex;
  record.digest = sha256_digest(manifest_text);
  record.manifest = manifest_text;
  record.manifest_type = std::string(image.docker_format ? mt::kDockerManifest : mt::kOciManifest);
  record.config = config_text;
  record.layers = image.diff_ids;
  try {
    record.created_ns = parse_rfc3339(image.config.value("created", ""));
  } catch (const Error&) {
    record.created_ns = now_ns();
  }
  record.size = image_size(record, ctx.layers());
  progress.writing_manifest();
  ctx.db().write([&] {
    if (auto existing = ctx.db().get_image(record.id)) {
      record.names = existing->names;
      record.repo_digests = existing->repo_digests;
    }
    if (!image.name.empty()) {
      if (std::find(record.names.begin(), record.names.end(), image.name) == record.names.end()) {
        record.names.push_back(image.name);
      }
      std::string repo_digest = repository_of(image.name) + "@" + record.digest;
      if (std::find(record.repo_digests.begin(), record.repo_digests.end(), repo_digest) ==
          record.repo_digests.end()) {
        record.repo_digests.push_back(repo_digest);
      }
    }
    ctx.db().put_image(record);
  });
  return record.id;
}

}  // namespace berth::engine
