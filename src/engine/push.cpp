// Pushing an image: upload each layer the destination lacks (mounting it
// from the source repository or compressing the stored tar), then the
// config, then the manifest in the requested format.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "engine/blob_compress.hpp"
#include "engine/local_engine.hpp"
#include "engine/pull_transfer.hpp"
#include "engine/registry_access.hpp"
#include "engine/registry_endpoints.hpp"
#include "engine/registry_jobs.hpp"
#include "engine/scratch_dir.hpp"
#include "events/events.hpp"
#include "image/manifest.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

// The manifest schema a push writes.
enum class PushFormat { kOci, kDockerV2S2 };

// The image, destination, manifest format and layer compression of one push.
struct PushPlan {
  state::ImageRecord record;
  image::Reference dest;
  PushFormat format = PushFormat::kOci;
  image::Compression compression = image::Compression::kGzip;
  std::optional<int> level;  // --compression-level
};

namespace {

namespace mt = image::media_type;

PushFormat push_format(const std::string& requested, const std::string& pulled_type) {
  if (requested == "oci") return PushFormat::kOci;
  if (requested == "v2s2") return PushFormat::kDockerV2S2;
  if (!requested.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid --format \"{}\": use oci or v2s2", requested);
  }
  return pulled_type == mt::kDockerManifest ? PushFormat::kDockerV2S2 : PushFormat::kOci;
}

image::Compression push_compression(const std::string& requested, PushFormat format) {
  if (requested.empty() || requested == "gzip") return image::Compression::kGzip;
  if (requested == "zstd") {
    if (format == PushFormat::kDockerV2S2) {
      fail(ErrorCode::kInvalidArgument,
           "--compression-format zstd needs --format oci: Docker v2s2 manifests have no zstd "
           "layer type");
    }
    return image::Compression::kZstd;
  }
  fail(ErrorCode::kInvalidArgument, "invalid --compression-format \"{}\": use gzip or zstd",
       requested);
}

// Rejects a --compression-level outside the range of the compression.
void check_compression_level(image::Compression compression, std::optional<int> level) {
  if (!level) return;
  bool zstd = compression == image::Compression::kZstd;
  int highest = zstd ? 20 : 9;
  if (*level < 1 || *level > highest) {
    fail(ErrorCode::kInvalidArgument, "invalid --compression-level {} for {}: use 1 to {}",
         *level, zstd ? "zstd" : "gzip", highest);
  }
}

std::string layer_media_type(PushFormat format, image::Compression compression) {
  if (format == PushFormat::kDockerV2S2) return std::string(mt::kDockerLayerGzip);
  return std::string(compression == image::Compression::kZstd ? mt::kOciLayerZstd
                                                              : mt::kOciLayerGzip);
}

// Returns the destination reference. Without a destination the image's own
// name is used: the request text when it names a registry, else the stored
// name it matched. An unqualified destination goes to docker.io, as in Podman.
image::Reference push_destination(const PushRequest& request, const state::ImageRecord& record) {
  std::string text = request.destination.empty() ? request.image : request.destination;
  if (text.starts_with("docker://")) text.erase(0, 9);
  auto parsed = image::parse_reference(text);
  if (parsed.qualified) return parsed.ref;
  if (!request.destination.empty()) {
    return image::parse_reference("docker.io/" + text).ref;
  }
  std::string suffix = "/" + parsed.ref.str();
  for (const auto& name : record.names) {
    if (name.ends_with(suffix)) return image::parse_reference(name).ref;
  }
  if (record.names.size() == 1) return image::parse_reference(record.names.front()).ref;
  fail(ErrorCode::kInvalidArgument,
       "image \"{}\" has no registry name to push to: give a destination such as "
       "REGISTRY/REPOSITORY:TAG",
       request.image);
}

// Repositories of the destination registry that the image was pulled from,
// other than the destination itself: sources for cross-repository mounts.
std::vector<std::string> mount_sources(const state::ImageRecord& record,
                                       const image::Reference& dest) {
  std::vector<std::string> sources;
  auto consider = [&](const std::string& name) {
    try {
      auto parsed = image::parse_reference(name);
      const auto& ref = parsed.ref;
      if (!parsed.qualified || ref.registry != dest.registry) return;
      if (ref.repository == dest.repository) return;
      if (std::find(sources.begin(), sources.end(), ref.repository) == sources.end()) {
        sources.push_back(ref.repository);
      }
    } catch (const Error&) {
      // A stored name berth cannot parse is no mount source.
    }
  };
  for (const auto& name : record.repo_digests) consider(name);
  for (const auto& name : record.names) consider(name);
  return sources;
}

// Layers whose tar is at most this big are compressed into memory files,
// bigger ones into files under the push's directory. Memory files save the
// disk writes, and on a file system mounted with -o discard also the
// synchronous discard of every deleted file.
constexpr std::int64_t kInMemoryLayerLimit = std::int64_t{256} << 20;

// Opens a scratch file for one layer: a memory file when in_memory, else
// path, which is unlinked at once, so the file goes away with its fd.
os::Fd open_scratch_file(bool in_memory, const std::string& path) {
  if (in_memory) {
    os::Fd fd(::memfd_create("berth-push-layer", MFD_CLOEXEC));
    if (!fd) fail_errno(errno, "creating a memory file for a layer");
    return fd;
  }
  os::Fd fd = os::open_file(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  ::unlink(path.c_str());
  return fd;
}

// Uploads bytes held in memory (the config) through an anonymous file.
void upload_bytes(image::RegistryClient& client, const std::string& repository,
                  const image::Descriptor& blob, const std::string& bytes) {
  int raw = ::memfd_create("berth-push-blob", MFD_CLOEXEC);
  if (raw < 0) fail_errno(errno, "creating a memory file for the config blob");
  os::Fd fd(raw);
  os::write_all(fd.get(), bytes);
  client.upload_blob(repository, blob, fd.get());
}

std::string build_manifest(PushFormat format, const image::Descriptor& config,
                           const std::vector<image::Descriptor>& layers) {
  auto descriptor = [](const image::Descriptor& d) {
    nlohmann::ordered_json j;
    j["mediaType"] = d.media_type;
    j["digest"] = d.digest;
    j["size"] = d.size;
    return j;
  };
  nlohmann::ordered_json manifest;
  manifest["schemaVersion"] = 2;
  manifest["mediaType"] =
      format == PushFormat::kOci ? std::string(mt::kOciManifest) : std::string(mt::kDockerManifest);
  manifest["config"] = descriptor(config);
  manifest["layers"] = nlohmann::ordered_json::array();
  for (const auto& layer : layers) manifest["layers"].push_back(descriptor(layer));
  return manifest.dump();
}

}  // namespace

std::string LocalEngine::push(const PushRequest& request, PullProgress& progress) {
  check_registry_access(request.access);
  auto record = require_image(request.image);
  // A manifest list goes with its images, as `manifest push --all` does.
  if (image::is_index_media_type(record.manifest_type)) {
    return push_manifest_list(request, progress);
  }
  PushPlan plan;
  plan.format = push_format(request.format, record.manifest_type);
  plan.compression = push_compression(request.compression_format, plan.format);
  plan.level = request.compression_level;
  check_compression_level(plan.compression, plan.level);
  plan.dest = push_destination(request, record);
  if (plan.dest.tag.empty() && plan.dest.digest.empty()) plan.dest.tag = "latest";
  // Like Podman, a push goes to the destination itself: registries.conf
  // locations and mirrors apply to pulls only, but blocked applies to both.
  with_context(fmt::format("pushing image \"{}\"", plan.dest.str()),
               [&] { check_not_blocked(plan.dest, registries()); });
  plan.record = std::move(record);
  // Trust: the policy check before anything is uploaded, the signature
  // (--sign-by) after the manifest is stored.
  with_context(fmt::format("pushing image \"{}\"", plan.dest.str()),
               [&] { check_push_trust(request, plan.dest); });
  std::string digest = with_context(fmt::format("pushing image \"{}\"", plan.dest.str()),
                                    [&] { return push_to(plan, request.access, progress); });
  sign_pushed_image(request, plan.dest, digest, progress);
  events::write_image(ctx_.db(), "push", plan.record.id, plan.dest.str());
  return digest;
}

std::string LocalEngine::push_to(const PushPlan& plan, const RegistryAccess& access,
                                 PullProgress& progress) {
  const auto& record = plan.record;
  const auto& dest = plan.dest;
  auto format = plan.format;
  auto compression = plan.compression;
  auto level = plan.level;
  auto options = registry_options(access, dest.name(), registries());
  image::RegistryClient client(dest.registry, options);

  // The pulled manifest's layer blobs may already be on the destination when
  // they match the stored layers one to one and have the requested
  // compression. A HEAD request or a cross-repository mount checks that.
  std::optional<image::Manifest> pulled;
  if (!record.manifest.empty()) {
    try {
      pulled = image::parse_manifest(record.manifest, record.manifest_type);
      if (pulled->layers.size() != record.layers.size()) pulled.reset();
    } catch (const Error& e) {
      SPDLOG_DEBUG("ignoring the stored manifest of image {}: {}", record.id, e.what());
    }
  }
  auto sources = mount_sources(record, dest);

  // Shared against the exclusive lock of layer garbage collection, which
  // would otherwise delete layers while their tars are read.
  os::FileLock store_lock(ctx_.paths().root + "/layers.lock", true);
  auto& layers = ctx_.layers();
  ScratchDir temp(ctx_.paths().tmp(), "push");
  std::vector<image::Descriptor> pushed_layers(record.layers.size());
  std::atomic<bool> any_recompressed{false};
  std::mutex progress_mutex;
  auto report = [&](const std::string& digest, bool reused) {
    std::lock_guard lock(progress_mutex);
    progress.copying_blob(digest, reused);
  };

  // Pushes layer i: reuses the pulled blob when the destination has it or
  // can mount it, else rebuilds the tar, compresses and uploads it.
  auto push_layer = [&](image::RegistryClient& client, std::size_t i) {
    const auto& diff_id = record.layers[i];
    image::Descriptor layer;
    layer.media_type = layer_media_type(format, compression);
    if (pulled) {
      const auto& old = pulled->layers[i];
      bool same_compression = false;
      try {
        same_compression = image::layer_compression(old.media_type) == compression;
      } catch (const Error&) {
      }
      if (same_compression) {
        bool reused = client.has_blob(dest.repository, old.digest);
        for (std::size_t s = 0; !reused && s < sources.size(); ++s) {
          reused = client.mount_blob(dest.repository, old.digest, sources[s]);
        }
        if (reused) {
          layer.digest = old.digest;
          layer.size = old.size;
          report(layer.digest, true);
          pushed_layers[i] = layer;
          return;
        }
      }
    }
    any_recompressed = true;
    if (!layers.has_tar_layout(diff_id)) {
      fail(ErrorCode::kConflict,
           "layer {} was stored by a berth version that did not record its tar layout, so its "
           "exact tar cannot be rebuilt: pull the image again, then push",
           diff_id);
    }
    // The tar goes straight into the compressor. Only the compressed blob
    // needs a scratch file, because the upload needs its digest first.
    bool in_memory = layers.size(diff_id) <= kInMemoryLayerLimit;
    // The index keeps apart the files of a layer that the image lists twice.
    std::string name = temp.path() + "/" + std::to_string(i) + "-" + Digest::parse(diff_id).hex;
    os::Fd blob = open_scratch_file(in_memory, name + ".blob");
    {
      BlobCompressor compressor(blob.get(), compression, level);
      with_context(fmt::format("reading layer {}", diff_id), [&] {
        layers.write_tar(diff_id, [&](std::string_view data) { compressor.write(data); });
      });
      auto written = compressor.finish();
      layer.digest = written.digest;
      layer.size = written.size;
    }
    if (client.has_blob(dest.repository, layer.digest)) {
      report(layer.digest, true);
    } else {
      // upload_blob's errors name the blob and the registry themselves.
      client.upload_blob(dest.repository, layer, blob.get());
      report(layer.digest, false);
    }
    pushed_layers[i] = layer;
  };
  // Layers go up in parallel, as many at once as a pull fetches: one
  // upload at a time leaves the registry's and this host's cores idle.
  std::atomic<bool> failed{false};
  run_registry_jobs(client, record.layers.size(), pull_parallel_copies(), push_layer, failed);
  bool all_reused = pulled.has_value() && !any_recompressed;

  image::Descriptor config;
  config.media_type =
      format == PushFormat::kOci ? std::string(mt::kOciConfig) : std::string(mt::kDockerConfig);
  config.digest = "sha256:" + record.id;
  config.size = static_cast<std::int64_t>(record.config.size());
  if (sha256_digest(record.config) != config.digest) {
    fail(ErrorCode::kDigestMismatch, "the stored config of image {} does not match its ID",
         record.id);
  }
  if (!client.has_blob(dest.repository, config.digest)) {
    with_context(fmt::format("uploading config {}", config.digest),
                 [&] { upload_bytes(client, dest.repository, config, record.config); });
  }
  progress.copying_config(config.digest);

  // Pushing the pulled bytes unchanged keeps the image's manifest digest,
  // as Podman does when no layer had to be recompressed.
  std::string pulled_type = format == PushFormat::kOci ? std::string(mt::kOciManifest)
                                                        : std::string(mt::kDockerManifest);
  std::string body;
  if (all_reused && record.manifest_type == pulled_type &&
      pulled->config.digest == config.digest) {
    body = record.manifest;
  } else {
    body = build_manifest(format, config, pushed_layers);
  }
  progress.writing_manifest();
  // A destination without tag or digest (an instance of a manifest list)
  // is stored under the manifest's own digest.
  std::string reference = dest.tag_or_digest();
  if (reference.empty()) reference = sha256_digest(body);
  return client.put_manifest(dest.repository, reference, body, pulled_type);
}

std::string LocalEngine::push_instance(const state::ImageRecord& record,
                                       const image::Reference& dest, const RegistryAccess& access,
                                       PullProgress& progress) {
  PushPlan plan;
  plan.record = record;
  plan.dest = dest;
  plan.dest.tag.clear();
  plan.dest.digest.clear();
  plan.format = push_format("", record.manifest_type);
  return push_to(plan, access, progress);
}

}  // namespace berth::engine
