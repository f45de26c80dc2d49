#pragma once

// Compression of layer tars into registry blobs.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "image/manifest.hpp"

namespace berth::engine {

// A blob written to disk: its digest "sha256:<hex>" and size in bytes.
struct WrittenBlob {
  std::string digest;
  std::int64_t size = 0;
};

// A compressor that takes the uncompressed stream in pieces and writes the
// compressed blob to output_fd, hashing the written bytes. Without a level,
// gzip uses Intel's ISA-L (level 2) when libisal.so.2 loads, else zlib's
// default level, and zstd uses its default level. With a level, gzip uses
// zlib at that level (1-9) and zstd that level. kNone copies. Errors throw
// Error{kInternal} for the compressor and Error naming errno for writes.
class BlobCompressor {
 public:
  BlobCompressor(int output_fd, image::Compression compression,
                 std::optional<int> level = std::nullopt);
  ~BlobCompressor();
  BlobCompressor(const BlobCompressor&) = delete;
  BlobCompressor& operator=(const BlobCompressor&) = delete;

  void write(std::string_view data);

  // Ends the stream, flushes it to output_fd and returns the blob's digest
  // and size. Call once; write must not follow.
  WrittenBlob finish();

  class Codec;

 private:
  std::unique_ptr<Codec> codec_;
};

// Reads input_fd to its end and writes it to output_fd compressed with
// compression through a BlobCompressor.
WrittenBlob compress_stream(int input_fd, int output_fd, image::Compression compression);

}  // namespace berth::engine
