// Loading images: unpack an archive (or read an image directory) and find
// its images in docker-archive, OCI layout or dir-transport form. Every blob
// and layer is verified against its digest, and the images are recorded
// only when all of their layers were added.

#include <fcntl.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/image_size.hpp"
#include "engine/local_engine.hpp"
#include "engine/scratch_dir.hpp"
#include "engine/tag.hpp"
#include "events/events.hpp"
#include "image/archive_layout.hpp"
#include "image/manifest.hpp"
#include "image/platform.hpp"
#include "image/reference.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "storage/archive_unpack.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

namespace {

namespace mt = image::media_type;

// An image found in the input, checked and ready to add.
struct LoadedImage {
  std::string id;  // hex of the config digest
  std::string config;
  std::vector<std::string> diff_ids;
  std::vector<std::string> layer_paths;  // one blob per diff ID
  std::vector<std::string> names;        // normalized
  std::string manifest;
  std::string manifest_type;
};

bool is_regular_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Returns root/relative after checking that it is a regular file inside root.
std::string member_path(const std::string& root, const std::string& relative,
                        std::string_view what) {
  if (!image::is_contained_path(relative)) {
    fail(ErrorCode::kInvalidArgument, "invalid archive: {} path \"{}\" leads outside it", what,
         relative);
  }
  std::string path = root + "/" + relative;
  if (!is_regular_file(path)) {
    fail(ErrorCode::kInvalidArgument, "invalid archive: {} \"{}\" is missing", what, relative);
  }
  return path;
}

// Hashes the file and throws Error{kDigestMismatch} when it differs from digest.
void verify_file_digest(const std::string& path, const std::string& digest) {
  Digest expected = Digest::parse(digest);
  if (expected.algorithm != "sha256") {
    fail(ErrorCode::kInvalidArgument, "blob {}: only sha256 digests are supported", digest);
  }
  os::Fd file = os::open_file(path, O_RDONLY);
  Sha256 sha256;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(file.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "reading \"" + path + "\"");
    if (n == 0) break;
    sha256.update(buffer.data(), static_cast<std::size_t>(n));
  }
  std::string actual = "sha256:" + sha256.hex_final();
  if (actual != digest) {
    fail(ErrorCode::kDigestMismatch, "blob {} does not match its digest: its content is {}",
         digest, actual);
  }
}

// Reads a small blob (manifest or config) by digest from an OCI layout or
// dir-transport directory, checking the digest.
std::string read_blob(const std::string& path, const std::string& digest) {
  std::string data = os::read_file(path);
  std::string actual = sha256_digest(data);
  if (actual != digest) {
    fail(ErrorCode::kDigestMismatch, "blob {} does not match its digest: its content is {}",
         digest, actual);
  }
  return data;
}

std::int64_t created_time(const nlohmann::json& config) {
  if (!config.contains("created") || !config["created"].is_string()) return 0;
  try {
    return parse_rfc3339(config["created"].get<std::string>());
  } catch (const Error&) {
    return 0;
  }
}

// Builds a LoadedImage from its config and layer blobs, checking that the
// config is JSON with one diff ID per layer.
LoadedImage make_image(std::string config, std::vector<std::string> layer_paths) {
  LoadedImage image;
  image.id = Digest::parse(sha256_digest(config)).hex;
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(config);
    image.diff_ids = parsed.at("rootfs").at("diff_ids").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "invalid image config sha256:{}: {}", image.id, e.what());
  }
  for (const auto& diff_id : image.diff_ids) Digest::parse(diff_id);
  if (image.diff_ids.size() != layer_paths.size()) {
    fail(ErrorCode::kInvalidArgument,
         "image config sha256:{} lists {} diff IDs but the archive has {} layers for it", image.id,
         image.diff_ids.size(), layer_paths.size());
  }
  image.config = std::move(config);
  image.layer_paths = std::move(layer_paths);
  return image;
}

// Normalizes a RepoTags entry as `docker load` does: a name without a
// registry is on docker.io.
std::string docker_archive_name(const std::string& tag) {
  auto parsed = with_context(fmt::format("invalid manifest.json: RepoTags entry \"{}\"", tag),
                             [&] { return image::parse_reference(tag); });
  if (!parsed.qualified) parsed = image::parse_reference("docker.io/" + tag);
  if (!parsed.ref.digest.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid manifest.json: RepoTags entry \"{}\" has a digest, not a tag", tag);
  }
  return parsed.ref.str();
}

// The image's manifest as berth records it for a docker-archive, which has
// none: Docker schema 2 with the uncompressed layer tars.
void set_docker_archive_manifest(LoadedImage& image) {
  image::Descriptor config{std::string(mt::kDockerConfig), "sha256:" + image.id,
                           static_cast<std::int64_t>(image.config.size()), std::nullopt, {}};
  std::vector<image::Descriptor> layers;
  for (std::size_t i = 0; i < image.diff_ids.size(); ++i) {
    struct stat st {};
    ::stat(image.layer_paths[i].c_str(), &st);
    layers.push_back({std::string(image::kDockerLayerUncompressed), image.diff_ids[i],
                      static_cast<std::int64_t>(st.st_size), std::nullopt, {}});
  }
  image.manifest = image::image_manifest(mt::kDockerManifest, config, layers);
  image.manifest_type = mt::kDockerManifest;
}

std::vector<LoadedImage> read_docker_archive(const std::string& root) {
  auto entries = image::parse_docker_archive_manifest(os::read_file(root + "/manifest.json"));
  std::vector<LoadedImage> images;
  for (const auto& entry : entries) {
    std::string config = os::read_file(member_path(root, entry.config, "config"));
    std::vector<std::string> layers;
    for (const auto& layer : entry.layers) layers.push_back(member_path(root, layer, "layer"));
    auto image = make_image(std::move(config), std::move(layers));
    for (const auto& tag : entry.repo_tags) image.names.push_back(docker_archive_name(tag));
    set_docker_archive_manifest(image);
    images.push_back(std::move(image));
  }
  return images;
}

// Reads an image manifest and its config and layer blobs. blob_path maps a
// digest to its file. Layer blobs are checked against their digests here,
// the uncompressed tars against the diff IDs when the layers are added.
LoadedImage read_manifest_image(const std::string& manifest, const std::string& media_type,
                                const std::function<std::string(const std::string&)>& blob_path) {
  auto parsed = image::parse_manifest(manifest, media_type);
  std::string config = read_blob(blob_path(parsed.config.digest), parsed.config.digest);
  std::vector<std::string> layers;
  for (const auto& layer : parsed.layers) {
    std::string path = blob_path(layer.digest);
    verify_file_digest(path, layer.digest);
    layers.push_back(path);
  }
  auto image = make_image(std::move(config), std::move(layers));
  image.manifest = manifest;
  image.manifest_type = image::detect_manifest_media_type(manifest, media_type);
  return image;
}

// Returns the image name of an OCI ref name annotation, normalized as `tag`
// does, or "" when it is not a valid name.
std::string oci_ref_name(const std::string& text) {
  if (text.empty()) return "";
  try {
    return normalize_tag_name(text);
  } catch (const Error& e) {
    // NOTE: the OCI spec also allows a bare tag such as "1.0" here, which
    // names no repository; such images are loaded without a name.
    spdlog::debug("ignoring ref name \"{}\": {}", text, e.what());
    return "";
  }
}

std::vector<LoadedImage> read_oci_layout(const std::string& root) {
  auto blob_path = [&root](const std::string& digest) {
    auto parsed = Digest::parse(digest);
    return member_path(root, "blobs/" + parsed.algorithm + "/" + parsed.hex, "blob");
  };
  auto entries = image::parse_oci_index(os::read_file(member_path(root, "index.json", "file")));
  std::vector<LoadedImage> images;
  for (const auto& entry : entries) {
    std::string body = read_blob(blob_path(entry.manifest.digest), entry.manifest.digest);
    std::string type = image::detect_manifest_media_type(body, entry.manifest.media_type);
    if (image::is_index_media_type(type)) {
      // An index inside index.json (as Docker 25 writes it): load the
      // manifest for this host's platform.
      auto index = image::parse_index(body, type);
      const auto& chosen = image::select_platform(index, image::host_platform());
      body = read_blob(blob_path(chosen.digest), chosen.digest);
      type = image::detect_manifest_media_type(body, chosen.media_type);
    }
    auto image = with_context(fmt::format("manifest {}", entry.manifest.digest),
                              [&] { return read_manifest_image(body, type, blob_path); });
    std::string name = oci_ref_name(entry.ref_name);
    if (!name.empty()) image.names.push_back(name);
    images.push_back(std::move(image));
  }
  return images;
}

std::vector<LoadedImage> read_docker_dir(const std::string& root) {
  auto blob_path = [&root](const std::string& digest) {
    return member_path(root, Digest::parse(digest).hex, "blob");
  };
  std::string body = os::read_file(root + "/manifest.json");
  std::string type = with_context("invalid manifest.json",
                                  [&] { return image::detect_manifest_media_type(body, ""); });
  return {with_context("invalid manifest.json",
                       [&] { return read_manifest_image(body, type, blob_path); })};
}

// Finds the layout of root and reads its images. A docker-archive has a
// manifest.json array (Docker 25 adds an OCI layout beside it, which is
// then ignored); a dir-transport directory has a manifest.json object and
// a version file; an OCI layout has oci-layout.
std::vector<LoadedImage> read_layout(const std::string& root) {
  bool has_manifest = is_regular_file(root + "/manifest.json");
  if (has_manifest && is_regular_file(root + "/version")) return read_docker_dir(root);
  if (has_manifest) return read_docker_archive(root);
  if (is_regular_file(root + "/oci-layout")) return read_oci_layout(root);
  fail(ErrorCode::kInvalidArgument,
       "invalid archive: it has neither manifest.json nor oci-layout, so it is no "
       "docker-archive, oci-archive or image directory");
}

// Adds the layers the store lacks, then records the images in one
// transaction, all under the shared layer lock so that garbage collection
// cannot remove a new layer before its image is recorded. Sets added_layers
// as soon as a layer is added, for the caller's cleanup after a failure.
// Returns the loaded names, "sha256:<id>" for an image without one.
std::vector<std::string> add_loaded_images(container::Context& ctx,
                                           const std::vector<LoadedImage>& images,
                                           PullProgress& progress, bool& added_layers) {
  os::FileLock store_lock(ctx.paths().root + "/layers.lock", true);
  auto& layers = ctx.layers();
  layers.remove_leftovers();
  for (const auto& image : images) {
    for (std::size_t i = 0; i < image.diff_ids.size(); ++i) {
      const auto& diff_id = image.diff_ids[i];
      if (layers.has(diff_id)) {
        progress.copying_blob(diff_id, true);
        continue;
      }
      added_layers = true;
      layers.add_from_blob(diff_id, image.layer_paths[i]);
      progress.copying_blob(diff_id, false);
    }
    progress.copying_config("sha256:" + image.id);
  }
  progress.writing_manifest();

  std::vector<std::string> loaded;
  ctx.db().write([&] {
    for (const auto& image : images) {
      // An image that is already present keeps its manifest and digests
      // and only gains the names.
      state::ImageRecord record;
      if (auto existing = ctx.db().get_image(image.id)) {
        record = *existing;
      } else {
        record.id = image.id;
        record.manifest = image.manifest;
        record.manifest_type = image.manifest_type;
        record.digest = sha256_digest(image.manifest);
        record.config = image.config;
        record.layers = image.diff_ids;
        record.created_ns = created_time(nlohmann::json::parse(image.config));
        record.size = image_size(record, layers);
      }
      for (const auto& name : image.names) {
        if (std::find(record.names.begin(), record.names.end(), name) == record.names.end()) {
          record.names.push_back(name);
        }
        loaded.push_back(name);
      }
      if (image.names.empty()) loaded.push_back("sha256:" + image.id);
      ctx.db().put_image(record);
    }
  });
  return loaded;
}

}  // namespace

std::vector<std::string> LocalEngine::load(const std::string& input, int input_fd,
                                           PullProgress& progress) {
  std::string source = input.empty() ? "stdin" : "\"" + input + "\"";
  return with_context("loading images from " + source, [&] {
    os::make_dirs(ctx_.paths().tmp(), 0700);
    ScratchDir scratch(ctx_.paths().tmp(), "load");
    std::string root = scratch.path();
    struct stat st;
    if (!input.empty() && ::stat(input.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      root = input;
    } else if (!input.empty()) {
      os::Fd file = os::open_file(input, O_RDONLY);
      storage::unpack_image_archive(file.get(), root);
    } else {
      storage::unpack_image_archive(input_fd, root);
    }
    auto images = read_layout(root);
    bool added_layers = false;
    try {
      auto loaded = add_loaded_images(ctx_, images, progress, added_layers);
      for (const auto& name : loaded) events::write_image(ctx_.db(), "loadfromarchive", "", name);
      return loaded;
    } catch (const Error&) {
      // Layers added before the failure belong to no image.
      if (added_layers) remove_unused_layers();
      throw;
    }
  });
}

}  // namespace berth::engine
