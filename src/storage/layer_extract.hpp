#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::storage {

class TarLayoutRecorder;

// Extracts one OCI or Docker image layer into target_dir in overlayfs "diff"
// form and returns its diff ID, "sha256:<hex>" of the uncompressed tar
// stream, for the caller to compare with the image config's diff_ids.
//
// The blob is a tar stream, uncompressed or compressed with gzip, zstd, bzip2
// or xz, detected from its content. It is read and decompressed once.
// target_dir must exist and be empty. In the result:
//  - a whiteout ".wh.NAME" is a character device 0/0 named NAME, and the
//    opaque marker ".wh..wh..opq" sets trusted.overlay.opaque="y" on its
//    directory; other ".wh..wh." entries are ignored;
//  - regular files, directories, symlinks, hardlinks, devices and fifos keep
//    their mode (setuid, setgid and sticky bits too), owner (when run as
//    root), times and xattrs. Two kinds of xattrs are left out:
//    trusted.overlay.* ones, which would steer overlayfs, and ones the file
//    system does not support.
//
// Nothing is written outside target_dir: a leading "/" in an entry name
// means the layer root, and an entry whose ".." climbs above the root, whose
// path goes through a symlink, or that hardlinks to a path outside the root
// throws Error{kInvalidArgument} naming the entry. A corrupt blob also throws
// Error{kInvalidArgument}. After any error target_dir holds partial content
// that the caller removes.
std::string extract_layer(const std::string& blob_path, const std::string& target_dir);

// The result of an extraction that records the tar layout.
struct ExtractedLayer {
  std::string diff_id;       // "sha256:<hex>" of the uncompressed tar stream
  std::int64_t tar_size = 0;  // bytes of that stream, trailing padding included
};

// Same as above, and feeds the uncompressed stream to layout as well. The
// caller calls layout.finish() after a successful extraction.
ExtractedLayer extract_layer(const std::string& blob_path, const std::string& target_dir,
                             TarLayoutRecorder& layout);

// Same as the first, reading the blob from blob_fd from its current offset. The
// fd stays open.
std::string extract_layer(int blob_fd, const std::string& target_dir);

// Same as above, reading the blob from memory.
std::string extract_layer_from_memory(std::string_view blob, const std::string& target_dir);

}  // namespace berth::storage
