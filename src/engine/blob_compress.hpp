#pragma once

// Compression of layer tars into registry blobs.

#include <cstdint>
#include <string>

#include "image/manifest.hpp"

namespace berth::engine {

// A blob written to disk: its digest "sha256:<hex>" and size in bytes.
struct WrittenBlob {
  std::string digest;
  std::int64_t size = 0;
};

// Reads input_fd to its end and writes it to output_fd compressed with
// compression (kGzip or kZstd; kNone copies), hashing the written bytes.
// Throws Error{kInternal} when the compressor fails and Error naming errno
// when reading or writing fails.
WrittenBlob compress_stream(int input_fd, int output_fd, image::Compression compression);

}  // namespace berth::engine
