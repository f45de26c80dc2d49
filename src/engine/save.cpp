// Saving images: write their configs, manifests and layer tars as a
// docker-archive, oci-archive, oci-dir or docker-dir. Layers come from
// the layer store's exact tars, so their digests equal the diff IDs and a
// save followed by a load gives back the same image ID.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "engine/blob_compress.hpp"
#include "engine/local_engine.hpp"
#include "engine/save_sink.hpp"
#include "engine/scratch_dir.hpp"
#include "engine/tag.hpp"
#include "events/events.hpp"
#include "image/archive_layout.hpp"
#include "image/manifest.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

namespace {

namespace mt = image::media_type;

enum class SaveFormat { kDockerArchive, kOciArchive, kOciDir, kDockerDir };

SaveFormat parse_save_format(const std::string& text) {
  if (text == "docker-archive") return SaveFormat::kDockerArchive;
  if (text == "oci-archive") return SaveFormat::kOciArchive;
  if (text == "oci-dir") return SaveFormat::kOciDir;
  if (text == "docker-dir") return SaveFormat::kDockerDir;
  fail(ErrorCode::kInvalidArgument,
       "unsupported format \"{}\" for image save: use docker-archive, oci-archive, oci-dir or "
       "docker-dir",
       text);
}

bool writes_directory(SaveFormat format) {
  return format == SaveFormat::kOciDir || format == SaveFormat::kDockerDir;
}

// An image to save and the names it is saved under.
struct SavedImage {
  state::ImageRecord record;
  std::vector<std::string> names;
};

// Returns the stored name of record that `text` matched, or "" when text
// matched the ID or a digest: Podman saves an image given by ID without a
// name.
std::string matched_name(const std::string& text, const state::ImageRecord& record) {
  std::string full = text;
  auto slash = full.rfind('/');
  auto colon = full.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    full += ":latest";
  }
  for (const auto& name : record.names) {
    if (name == text || name == full || name.ends_with("/" + full)) return name;
  }
  return "";
}

// A layer blob ready for the sink.
struct LayerBlob {
  std::string path;
  std::string digest;
  std::int64_t size = 0;
};

// Writes the layer's exact tar into dir, gzip-compressed when compress is
// set, and returns the file with its digest and size.
LayerBlob prepare_layer(const storage::LayerStore& layers, const std::string& diff_id,
                        const std::string& dir, bool compress) {
  std::string hex = Digest::parse(diff_id).hex;
  LayerBlob blob;
  if (!compress) {
    blob.path = dir + "/" + hex + ".tar";
    auto tar = os::open_file(blob.path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    with_context(fmt::format("reading layer {}", diff_id),
                 [&] { layers.write_tar(diff_id, tar.get()); });
    struct stat st;
    if (::fstat(tar.get(), &st) != 0) fail_errno(errno, "reading \"" + blob.path + "\"");
    blob.digest = diff_id;
    blob.size = st.st_size;
    return blob;
  }
  // The tar goes straight into the compressor, without a scratch copy.
  blob.path = dir + "/" + hex + ".gz";
  auto gzip = os::open_file(blob.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  BlobCompressor compressor(gzip.get(), image::Compression::kGzip);
  with_context(fmt::format("reading layer {}", diff_id), [&] {
    layers.write_tar(diff_id, [&](std::string_view data) { compressor.write(data); });
  });
  auto written = compressor.finish();
  blob.digest = written.digest;
  blob.size = written.size;
  return blob;
}

// Writes every layer not written yet through write(blob, diff_id), one at a
// time, so the scratch space contains at most one layer.
template <typename Write>
void for_each_new_layer(const std::vector<SavedImage>& images, const storage::LayerStore& layers,
                        const std::string& dir, bool compress, PullProgress& progress,
                        std::map<std::string, LayerBlob>& done, Write&& write) {
  for (const auto& image : images) {
    for (const auto& diff_id : image.record.layers) {
      if (done.count(diff_id)) continue;
      auto blob = prepare_layer(layers, diff_id, dir, compress);
      write(blob, diff_id);
      progress.copying_blob(blob.digest, false);
      blob.path.clear();
      done[diff_id] = blob;
    }
  }
}

void write_docker_archive(const std::vector<SavedImage>& images,
                          const storage::LayerStore& layers, const std::string& scratch,
                          SaveSink& sink, PullProgress& progress) {
  std::map<std::string, LayerBlob> done;
  for_each_new_layer(images, layers, scratch, false, progress, done,
                     [&](const LayerBlob& blob, const std::string& diff_id) {
                       sink.take_file(Digest::parse(diff_id).hex + ".tar", blob.path);
                     });
  std::set<std::string> configs;
  for (const auto& image : images) {
    if (!configs.insert(image.record.id).second) continue;
    sink.add_bytes(image.record.id + ".json", image.record.config);
    progress.copying_config("sha256:" + image.record.id);
  }
  // Docker's v1 loader reads <legacy id>/layer.tar; newer loaders read
  // manifest.json. Both are written, as `podman save` does.
  std::set<std::string> legacy_done;
  std::vector<image::DockerArchiveImage> entries;
  std::vector<image::RepositoryTag> repositories;
  for (const auto& image : images) {
    auto ids = image::legacy_layer_ids(image.record.layers);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!legacy_done.insert(ids[i]).second) continue;
      std::string hex = Digest::parse(image.record.layers[i]).hex;
      sink.add_directory(ids[i]);
      sink.add_symlink(ids[i] + "/layer.tar", "../" + hex + ".tar");
      sink.add_bytes(ids[i] + "/VERSION", "1.0");
      sink.add_bytes(ids[i] + "/json", image::legacy_layer_json(ids[i], i ? ids[i - 1] : ""));
    }
    image::DockerArchiveImage entry;
    entry.config = image.record.id + ".json";
    entry.repo_tags = image.names;
    for (const auto& diff_id : image.record.layers) {
      entry.layers.push_back(Digest::parse(diff_id).hex + ".tar");
    }
    entries.push_back(std::move(entry));
    if (!ids.empty()) {
      for (const auto& name : image.names) repositories.push_back({name, ids.back()});
    }
  }
  progress.writing_manifest();
  sink.add_bytes("manifest.json", image::docker_archive_manifest(entries));
  sink.add_bytes("repositories", image::docker_repositories(repositories));
}

// Returns the manifest of a saved image: its config and the layer blobs.
std::string saved_manifest(const SavedImage& image, std::string_view media_type,
                           std::string_view config_type, std::string_view layer_type,
                           const std::map<std::string, LayerBlob>& blobs) {
  image::Descriptor config;
  config.media_type = config_type;
  config.digest = "sha256:" + image.record.id;
  config.size = static_cast<std::int64_t>(image.record.config.size());
  std::vector<image::Descriptor> descriptors;
  for (const auto& diff_id : image.record.layers) {
    const auto& blob = blobs.at(diff_id);
    descriptors.push_back({std::string(layer_type), blob.digest, blob.size, std::nullopt, {}});
  }
  return image::image_manifest(media_type, config, descriptors);
}

void write_oci_layout(const std::vector<SavedImage>& images, const storage::LayerStore& layers,
                      const std::string& scratch, bool compress, SaveSink& sink,
                      PullProgress& progress) {
  sink.add_bytes("oci-layout", image::oci_layout_file());
  sink.add_directory("blobs");
  sink.add_directory("blobs/sha256");
  std::map<std::string, LayerBlob> blobs;
  std::set<std::string> written;
  auto add_blob = [&](const std::string& digest, std::string_view data) {
    if (written.insert(digest).second) {
      sink.add_bytes("blobs/sha256/" + Digest::parse(digest).hex, data);
    }
  };
  for_each_new_layer(images, layers, scratch, compress, progress, blobs,
                     [&](const LayerBlob& blob, const std::string&) {
                       if (written.insert(blob.digest).second) {
                         sink.take_file("blobs/sha256/" + Digest::parse(blob.digest).hex,
                                        blob.path);
                       }
                     });
  std::vector<image::OciIndexEntry> entries;
  for (const auto& image : images) {
    add_blob("sha256:" + image.record.id, image.record.config);
    progress.copying_config("sha256:" + image.record.id);
    std::string manifest =
        saved_manifest(image, mt::kOciManifest, mt::kOciConfig,
                       compress ? mt::kOciLayerGzip : mt::kOciLayer, blobs);
    std::string digest = sha256_digest(manifest);
    add_blob(digest, manifest);
    image::OciIndexEntry entry;
    entry.manifest.media_type = mt::kOciManifest;
    entry.manifest.digest = digest;
    entry.manifest.size = static_cast<std::int64_t>(manifest.size());
    entry.ref_name = image.names.empty() ? "" : image.names.front();
    entries.push_back(std::move(entry));
  }
  progress.writing_manifest();
  sink.add_bytes("index.json", image::oci_index(entries));
}

void write_docker_dir(const SavedImage& image, const storage::LayerStore& layers,
                      const std::string& scratch, bool compress, SaveSink& sink,
                      PullProgress& progress) {
  std::map<std::string, LayerBlob> blobs;
  std::set<std::string> written;
  for_each_new_layer({image}, layers, scratch, compress, progress, blobs,
                     [&](const LayerBlob& blob, const std::string&) {
                       if (written.insert(blob.digest).second) {
                         sink.take_file(Digest::parse(blob.digest).hex, blob.path);
                       }
                     });
  sink.add_bytes(image.record.id, image.record.config);
  progress.copying_config("sha256:" + image.record.id);
  progress.writing_manifest();
  sink.add_bytes("manifest.json",
                 saved_manifest(image, mt::kDockerManifest, mt::kDockerConfig,
                                compress ? mt::kDockerLayerGzip : image::kDockerLayerUncompressed,
                                blobs));
  sink.add_bytes("version", image::kDirTransportVersion);
}

// Checks the flag combinations Podman rejects, before any image is read.
void check_save_request(const SaveRequest& request, SaveFormat format) {
  if (request.images.empty()) {
    fail(ErrorCode::kInvalidArgument, "image save: give at least one image name or ID");
  }
  if (request.compress && !writes_directory(format)) {
    fail(ErrorCode::kInvalidArgument,
         "--compress can only be set when --format is 'oci-dir' or 'docker-dir'");
  }
  if (request.multi_image && format != SaveFormat::kDockerArchive) {
    fail(ErrorCode::kInvalidArgument,
         "unsupported format \"{}\" for saving multiple images (only docker-archive)",
         request.format);
  }
  if (!request.multi_image && request.images.size() > 1 && format != SaveFormat::kDockerArchive) {
    fail(ErrorCode::kInvalidArgument,
         "extra names are tags for a docker-archive only: save one image with --format {}, or "
         "use -m with docker-archive for several images",
         request.format);
  }
  if (writes_directory(format) && request.output.empty()) {
    fail(ErrorCode::kInvalidArgument, "--format {} writes a directory: name it with -o",
         request.format);
  }
}

// The path of a not yet visible output beside path, so the rename that
// publishes it stays on one file system.
std::string temporary_sibling(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.ends_with("/")) trimmed.pop_back();
  return trimmed + ".berth-tmp-" + random_id().substr(0, 12);
}

// Removes a temporary output unless it was published.
class OutputGuard {
 public:
  explicit OutputGuard(std::string path) : path_(std::move(path)) {}
  ~OutputGuard() {
    if (path_.empty()) return;
    try {
      os::remove_all(path_);
    } catch (const Error& e) {
      spdlog::debug("removing unfinished output: {}", e.what());
    }
  }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace

void LocalEngine::save(const SaveRequest& request, int output_fd, PullProgress& progress) {
  auto format = parse_save_format(request.format);
  check_save_request(request, format);

  // A manifest list is saved as its image for this host's platform, under
  // the list's name, as Podman does in every format.
  std::vector<SavedImage> images;
  // An image named twice (by two of its tags, say) is saved once with both
  // names, as Podman does.
  auto add_image = [&](const std::string& text) {
    auto record = require_image(text);
    std::string name = matched_name(text, record);
    auto resolved = resolve_list_instance(record, text, std::nullopt);
    auto same = std::find_if(images.begin(), images.end(),
                             [&](const SavedImage& saved) { return saved.record.id == resolved.id; });
    if (same == images.end()) {
      images.push_back({std::move(resolved), {}});
      same = images.end() - 1;
    }
    auto& names = same->names;
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  };
  if (request.multi_image) {
    for (const auto& text : request.images) add_image(text);
  } else {
    add_image(request.images.front());
    for (std::size_t i = 1; i < request.images.size(); ++i) {
      auto tag = normalize_tag_name(request.images[i]);
      auto& names = images.back().names;
      if (std::find(names.begin(), names.end(), tag) == names.end()) names.push_back(tag);
    }
  }

  // Shared against the exclusive lock of layer garbage collection, which
  // would otherwise delete layers while their tars are read.
  os::FileLock store_lock(ctx_.paths().root + "/layers.lock", true);
  auto& layers = ctx_.layers();
  for (const auto& image : images) {
    for (const auto& diff_id : image.record.layers) {
      if (!layers.has_tar_layout(diff_id)) {
        fail(ErrorCode::kConflict,
             "cannot save image {}: layer {} was stored by a berth version that did not record "
             "its tar layout, so its exact tar cannot be rebuilt: pull the image again, then save",
             image.record.id.substr(0, 12), diff_id);
      }
    }
  }
  // The final rename replaces an empty directory but nothing else.
  if (writes_directory(format) && os::path_exists(request.output)) {
    std::error_code ec;
    bool empty_dir = std::filesystem::is_directory(request.output, ec) &&
                     std::filesystem::is_empty(request.output, ec);
    if (!empty_dir) {
      fail(ErrorCode::kAlreadyExists,
           "output \"{}\" already exists: remove it or name another directory with -o",
           request.output);
    }
  }

  os::make_dirs(ctx_.paths().tmp(), 0700);
  ScratchDir scratch(ctx_.paths().tmp(), "save");
  // A device or FIFO given with -o is written to as it is: a rename over
  // it would replace /dev/null with a regular file.
  bool special = !request.output.empty() && !writes_directory(format) &&
                 os::is_special_file(request.output);
  std::string temporary =
      request.output.empty() || special ? "" : temporary_sibling(request.output);
  OutputGuard guard(temporary);
  std::optional<os::Fd> file;
  std::unique_ptr<SaveSink> sink;
  if (special) {
    file = os::open_file(request.output, O_WRONLY);
    sink = make_tar_sink(file->get());
  } else if (writes_directory(format)) {
    os::make_dirs(temporary, 0755);
    sink = make_directory_sink(temporary);
  } else if (!temporary.empty()) {
    file = os::open_file(temporary, O_WRONLY | O_CREAT | O_EXCL, 0644);
    sink = make_tar_sink(file->get());
  } else {
    sink = make_tar_sink(output_fd);
  }

  switch (format) {
    case SaveFormat::kDockerArchive:
      write_docker_archive(images, layers, scratch.path(), *sink, progress);
      break;
    case SaveFormat::kOciArchive:
    case SaveFormat::kOciDir:
      write_oci_layout(images, layers, scratch.path(), request.compress, *sink, progress);
      break;
    case SaveFormat::kDockerDir:
      write_docker_dir(images.front(), layers, scratch.path(), request.compress, *sink, progress);
      break;
  }
  sink->finish();
  if (file && !special && ::fsync(file->get()) != 0) {
    fail_errno(errno, "writing \"" + temporary + "\"");
  }
  if (!temporary.empty() && ::rename(temporary.c_str(), request.output.c_str()) != 0) {
    fail_errno(errno, "renaming \"" + temporary + "\" to \"" + request.output + "\"");
  }
  guard.release();
  for (const auto& image : images) {
    events::write_image(ctx_.db(), "save", image.record.id, request.output);
  }
}

}  // namespace berth::engine
