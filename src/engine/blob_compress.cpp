#include "engine/blob_compress.hpp"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "common/error.hpp"
#include "storage/hashing_writer.hpp"

namespace berth::engine {

namespace {

constexpr std::size_t kChunkSize = 1 << 20;

// Reads up to buffer.size() bytes; returns 0 at the end of input.
std::size_t read_chunk(int fd, std::vector<char>& buffer) {
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) fail_errno(errno, "reading the layer tar");
  }
}

void copy_plain(int input_fd, storage::HashingWriter& out) {
  std::vector<char> in(kChunkSize);
  while (std::size_t n = read_chunk(input_fd, in)) out.write({in.data(), n});
}

void compress_gzip(int input_fd, storage::HashingWriter& out) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper instead of zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    fail(ErrorCode::kInternal, "initializing gzip compression failed");
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, deflateEnd);
  std::vector<char> in(kChunkSize);
  std::vector<char> buffer(kChunkSize);
  int flush = Z_NO_FLUSH;
  while (flush != Z_FINISH) {
    std::size_t n = read_chunk(input_fd, in);
    flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
    zs.next_in = reinterpret_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(n);
    int rc;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
      zs.avail_out = static_cast<uInt>(buffer.size());
      rc = deflate(&zs, flush);
      if (rc == Z_STREAM_ERROR) fail(ErrorCode::kInternal, "gzip compression failed");
      out.write({buffer.data(), buffer.size() - zs.avail_out});
    } while (zs.avail_out == 0);
    if (flush == Z_FINISH && rc != Z_STREAM_END) {
      fail(ErrorCode::kInternal, "gzip compression did not finish the stream");
    }
  }
}

void compress_zstd(int input_fd, storage::HashingWriter& out) {
  std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!ctx) fail(ErrorCode::kInternal, "initializing zstd compression failed");
  std::vector<char> in(kChunkSize);
  std::vector<char> buffer(ZSTD_CStreamOutSize());
  bool last = false;
  while (!last) {
    std::size_t n = read_chunk(input_fd, in);
    last = n == 0;
    ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    ZSTD_inBuffer input{in.data(), n, 0};
    bool done = false;
    while (!done) {
      ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
      std::size_t remaining = ZSTD_compressStream2(ctx.get(), &output, &input, mode);
      if (ZSTD_isError(remaining)) {
        fail(ErrorCode::kInternal, "zstd compression failed: {}", ZSTD_getErrorName(remaining));
      }
      out.write({buffer.data(), output.pos});
      done = last ? remaining == 0 : input.pos == input.size;
    }
  }
}

}  // namespace

WrittenBlob compress_stream(int input_fd, int output_fd, image::Compression compression) {
  storage::HashingWriter out(output_fd);
  switch (compression) {
    case image::Compression::kNone:
      copy_plain(input_fd, out);
      break;
    case image::Compression::kGzip:
      compress_gzip(input_fd, out);
      break;
    case image::Compression::kZstd:
      compress_zstd(input_fd, out);
      break;
  }
  out.flush();
  return WrittenBlob{out.digest(), static_cast<std::int64_t>(out.total())};
}

}  // namespace berth::engine
