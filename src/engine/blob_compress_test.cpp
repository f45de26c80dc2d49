#include "engine/blob_compress.hpp"

#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <gtest/gtest.h>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::engine {
namespace {

os::Fd memory_file() {
  int fd = ::memfd_create("blob-compress-test", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  return os::Fd(fd);
}

std::string read_all(int fd) {
  ::lseek(fd, 0, SEEK_SET);
  std::string data;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<size_t>(n));
  return data;
}

// Input larger than one 1 MiB read chunk, partly compressible.
std::string sample_input() {
  std::string data;
  for (long long i = 0; i < 300000; ++i) data += std::to_string(i * 7919 % 10007) + ",";
  return data;
}

std::string gunzip(const std::string& compressed) {
  z_stream zs{};
  EXPECT_EQ(Z_OK, inflateInit2(&zs, 15 + 16));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[65536];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(Z_STREAM_END, rc);
  inflateEnd(&zs);
  return out;
}

WrittenBlob compress(const std::string& input, image::Compression compression,
                     std::string& output) {
  auto in = memory_file();
  auto out = memory_file();
  os::write_all(in.get(), input);
  ::lseek(in.get(), 0, SEEK_SET);
  auto blob = compress_stream(in.get(), out.get(), compression);
  output = read_all(out.get());
  return blob;
}

TEST(CompressStream, GzipRoundTrip) {
  std::string input = sample_input();
  std::string output;
  auto blob = compress(input, image::Compression::kGzip, output);
  EXPECT_EQ(sha256_digest(output), blob.digest);
  EXPECT_EQ(static_cast<std::int64_t>(output.size()), blob.size);
  EXPECT_LT(output.size(), input.size());
  EXPECT_EQ(input, gunzip(output));
}

TEST(CompressStream, ZstdRoundTrip) {
  std::string input = sample_input();
  std::string output;
  auto blob = compress(input, image::Compression::kZstd, output);
  EXPECT_EQ(sha256_digest(output), blob.digest);
  EXPECT_EQ(static_cast<std::int64_t>(output.size()), blob.size);
  std::string decompressed(input.size(), '\0');
  std::size_t n = ZSTD_decompress(decompressed.data(), decompressed.size(), output.data(),
                                  output.size());
  ASSERT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  EXPECT_EQ(input.size(), n);
  EXPECT_EQ(input, decompressed);
}

TEST(CompressStream, EmptyInputGivesValidGzip) {
  std::string output;
  auto blob = compress("", image::Compression::kGzip, output);
  EXPECT_GT(blob.size, 0);
  EXPECT_EQ("", gunzip(output));
}

TEST(CompressStream, NoneCopiesBytes) {
  std::string output;
  auto blob = compress("plain bytes", image::Compression::kNone, output);
  EXPECT_EQ("plain bytes", output);
  EXPECT_EQ(sha256_digest("plain bytes"), blob.digest);
}

// Compresses input in pieces of uneven size through a BlobCompressor.
std::string compress_in_pieces(const std::string& input, image::Compression compression,
                               std::optional<int> level, WrittenBlob& blob) {
  auto out = memory_file();
  BlobCompressor compressor(out.get(), compression, level);
  for (std::size_t at = 0, piece = 1; at < input.size(); at += piece, piece = piece * 3 + 7) {
    compressor.write(std::string_view(input).substr(at, piece));
  }
  blob = compressor.finish();
  return read_all(out.get());
}

TEST(BlobCompressor, GzipLevelsRoundTrip) {
  std::string input = sample_input();
  WrittenBlob fast, best;
  std::string fast_output = compress_in_pieces(input, image::Compression::kGzip, 1, fast);
  std::string best_output = compress_in_pieces(input, image::Compression::kGzip, 9, best);
  EXPECT_EQ(input, gunzip(fast_output));
  EXPECT_EQ(input, gunzip(best_output));
  EXPECT_EQ(sha256_digest(best_output), best.digest);
  EXPECT_LT(best.size, fast.size);
}

TEST(BlobCompressor, ZstdLevelRoundTrip) {
  std::string input = sample_input();
  WrittenBlob blob;
  std::string output = compress_in_pieces(input, image::Compression::kZstd, 19, blob);
  std::string decompressed(input.size(), '\0');
  std::size_t n = ZSTD_decompress(decompressed.data(), decompressed.size(), output.data(),
                                  output.size());
  ASSERT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  EXPECT_EQ(input, decompressed.substr(0, n));
}

TEST(BlobCompressor, GzipLevelOutOfRangeRejected) {
  auto out = memory_file();
  EXPECT_THROW(BlobCompressor(out.get(), image::Compression::kGzip, 10), Error);
  EXPECT_THROW(BlobCompressor(out.get(), image::Compression::kGzip, 0), Error);
}

}  // namespace
}  // namespace berth::engine
