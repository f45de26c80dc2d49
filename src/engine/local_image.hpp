#pragma once

// Pieces shared by commit, import and export: a scratch directory, layer
// tars made from directories, reading a container's merged file system, and
// recording an image made on this host.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "container/context.hpp"
#include "engine/engine.hpp"
#include "image/manifest.hpp"
#include "os/lock.hpp"
#include "state/database.hpp"

namespace berth::engine {

// A container's file system, readable at path() for the life of this
// object. With merged, path() is the whole file system, the overlay of its
// changes on its image's layers. For a running container that is its
// mounted root. For any other, the overlay is mounted read-only on a
// scratch directory and unmounted at the end. Without merged, path() is the directory of the
// container's own changes (the overlay upper directory). The container's
// lock is held meanwhile, so it cannot start, be cleaned up or be removed.
// With writable (and merged), a stopped container's overlay is mounted
// with its own upper and work directories, so writes land in its changes.
// Throws Error{kNotFound} when the container or its image is gone.
class ContainerFileSystem {
 public:
  ContainerFileSystem(container::Context& ctx, const std::string& container_id, bool merged,
                      bool writable = false);
  ~ContainerFileSystem();
  ContainerFileSystem(const ContainerFileSystem&) = delete;
  ContainerFileSystem& operator=(const ContainerFileSystem&) = delete;

  const std::string& path() const { return path_; }
  const state::ContainerRecord& record() const { return record_; }
  bool running() const { return record_.status == "running"; }

 private:
  std::optional<os::FileLock> lock_;
  state::ContainerRecord record_;
  std::string path_;
  std::string mount_point_;  // set when this object mounted the overlay
};

// Throws Error{kInvalidArgument} when the StopSignal of an image's "config"
// object, set by a --change, is not a signal name or number.
void check_stop_signal(const nlohmann::json& image_config);

// A layer tar written to a file: its diff ID and size in bytes.
struct LayerTar {
  std::string diff_id;
  std::int64_t size = 0;
};

// Writes a layer tar of the directory dir (see storage::write_diff_tar) to
// the new file path, without the runtime's stubs for mount_points.
LayerTar write_layer_tar(const std::string& dir, const std::string& path,
                         const std::set<std::string>& mount_points = {});

// An image made on this host, ready to be recorded.
struct LocalImage {
  nlohmann::json config;              // the image config; rootfs is filled in
  std::vector<std::string> diff_ids;  // base layer first
  // Manifest descriptors of the layers, one per diff ID. An empty entry
  // means the stored, uncompressed tar of that layer.
  std::vector<image::Descriptor> layer_blobs;
  bool docker_format = false;  // Docker schema 2 manifest, else OCI
  std::string name;            // normalized name, "" for none
};

// Records image (its layers must be in the store, guarded by the caller's
// shared lock on layers.lock) and returns its ID, the config's digest hex.
// progress gets a copying_blob per layer (new_layers of them, at the top,
// as "done", the others as already present), then copying_config and
// writing_manifest.
std::string record_local_image(container::Context& ctx, LocalImage& image, std::size_t new_layers,
                               PullProgress& progress);

}  // namespace berth::engine
