#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/hashing_writer.hpp"

namespace berth::storage {

// Extracted image layers on disk, keyed by diff ID. An overlayfs diff
// directory does not depend on the layers below it, so one extraction serves
// every image that contains the layer. Layout under root:
//
//   overlay/<hex>/diff          the layer's files in overlayfs diff form
//   overlay/<hex>/size          total bytes of its regular files, decimal
//   overlay/<hex>/tar-size      bytes of the layer's uncompressed tar stream,
//                               decimal; layers added by older berth
//                               versions have none
//   overlay/<hex>/tar-layout.zst  the layer tar without its file contents
//                               (see tar_layout.hpp), so that write_tar can
//                               give back the exact tar. Layers added before
//                               berth recorded it have none.
//   overlay/l/<short>           symlink to ../<hex>/diff, for short mount options
//   overlay/.tmp-<random>       a layer being extracted or removed
//   overlay/.tmp-<random>.lock  flock held by the process working on it
//
// <hex> is the sha256 hex of the diff ID. A layer directory appears by one
// rename after its extraction is complete and verified, so a present layer
// is always whole. Several processes may use one store at once.
class LayerStore {
 public:
  // root is the storage root, for example /var/lib/berth/storage. Nothing is
  // created until a layer is added.
  explicit LayerStore(std::string root);

  // Returns whether the layer is present. Throws Error{kInvalidArgument} for
  // a diff ID that is not "sha256:<64 hex>", as every method here does.
  bool has(const std::string& diff_id) const;

  // Returns the layer's diff directory, present or not.
  std::string diff_path(const std::string& diff_id) const;

  // Returns the short symlink to the layer's diff directory. Passing these as
  // overlay lower directories keeps the mount options of deep images within
  // one page (see mount_overlay).
  std::string lower_path(const std::string& diff_id) const;

  // Returns the lower directories of an overlay of layers (base first) in
  // mount order, top-most first: each layer's short link (its diff
  // directory for a store without the link), and a layer that appears more
  // than once only at its top-most place. Overlayfs refuses a directory
  // listed twice, and the lower copies of identical content add nothing.
  std::vector<std::string> overlay_lowers(const std::vector<std::string>& layers) const;

  // Extracts the layer blob (tar, gzip or zstd) and adds it as diff_id. Does
  // nothing when the layer is present. Throws Error{kDigestMismatch} naming
  // both digests when the extracted stream's digest differs from diff_id,
  // and Error{kInvalidArgument} for an invalid or escaping tar; either way
  // the store is unchanged. When two processes add the same layer at once,
  // both succeed and one extraction is kept.
  void add_from_blob(const std::string& diff_id, const std::string& blob_path);

  // Removes the layer. Does nothing when it is absent. The caller makes sure
  // that no image or mounted container uses it.
  void remove(const std::string& diff_id);

  // Writes the layer's original uncompressed tar stream to fd: exactly the
  // bytes whose sha256 is diff_id, from the diff directory and the tar
  // layout. Throws Error{kNotFound} when the layer is absent,
  // Error{kConflict} when it has no tar layout (see has_tar_layout), and
  // Error{kDigestMismatch} naming the file when a file in the diff directory
  // changed since extraction, or when the layout is corrupt or the result's
  // digest differs. After an error fd has received part of the stream.
  void write_tar(const std::string& diff_id, int fd) const;
  // Does the same, but hands the stream to sink, so a caller can compress it
  // without a scratch file.
  void write_tar(const std::string& diff_id, const HashingWriter::Sink& sink) const;

  // Returns whether the layer has a tar layout, which layers added by older
  // berth versions lack. Returns false when the layer is absent.
  bool has_tar_layout(const std::string& diff_id) const;

  // Writes a tar of the layer's diff directory to fd, converting overlay
  // whiteouts (0/0 char devices, trusted.overlay.opaque) back to .wh. files
  // (see write_diff_tar). Its digest generally differs from diff_id. Returns
  // that digest, "sha256:<hex>". Throws Error{kNotFound} when the layer is
  // absent.
  std::string write_tar_from_diff(const std::string& diff_id, int fd) const;

  // Returns the diff IDs of the present layers, sorted.
  std::vector<std::string> list() const;

  // Returns the size of the layer's uncompressed tar stream, which is what
  // Podman reports as a layer's size. For a layer added before berth
  // recorded it, returns the total bytes of its regular files instead
  // (hardlinks counted once). Throws Error{kNotFound} when the layer is
  // absent.
  std::int64_t size(const std::string& diff_id) const;

  // Removes what killed processes left behind: temporary directories whose
  // lock no process holds, and short links to absent layers. Safe to call
  // while other processes add and remove layers.
  void remove_leftovers();

 private:
  std::string overlay_dir() const;
  std::string layer_dir(const std::string& diff_id) const;
  std::string tar_layout_path(const std::string& diff_id) const;

  std::string root_;
};

}  // namespace berth::storage
