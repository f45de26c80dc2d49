#pragma once

// The --digestfile of push and manifest push: checked before the upload,
// written after it.

#include <string>

namespace berth::engine {

// Checks that write_digest_file(path, ...) can succeed, so that a push fails
// before it uploads anything. A device, FIFO or symbolic link must be
// writable. Any other path must be in an existing directory that this
// process can create files in. Throws Error{kNotFound} for a missing
// directory, Error{kInvalidArgument} for a path that is a directory or lies
// under a non-directory, and Error{kPermissionDenied} or another errno-based
// Error when writing is not allowed.
void check_digest_file(const std::string& path);

// Writes digest to path. A device, FIFO or socket and a symbolic link are
// written through in place, as Podman does, so that /dev/stdout reaches the
// open standard output and a user's link stays a link. Any other path is
// replaced atomically.
void write_digest_file(const std::string& path, const std::string& digest);

}  // namespace berth::engine
