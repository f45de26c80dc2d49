#pragma once

#include <string>

namespace berth::storage {

// Unpacks an image archive (docker-archive or oci-archive) from fd into
// target_dir, which must exist. The archive is a tar stream, uncompressed
// or compressed as a whole with gzip, zstd, bzip2 or xz. Only regular files
// and directories are written, with owner-only permissions. A symlink or
// hardlink to a regular file inside the archive becomes a hardlink, because
// `docker save` and `podman save` link a layer tar that an image lists
// twice, and `podman save` names each layer both "<hex>.tar" and
// "<legacy id>/layer.tar". Links to missing files and entries of other
// types are skipped. A "./" prefix on entry names is dropped.
//
// Throws Error{kInvalidArgument} whose message starts with "invalid archive"
// when the input is not a tar, is truncated or empty, or has an entry or
// link target that would lead outside target_dir. After an error
// target_dir contains part of the archive, and the caller removes it.
void unpack_image_archive(int fd, const std::string& target_dir);

}  // namespace berth::storage
