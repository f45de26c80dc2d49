#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/hashing_writer.hpp"
#include "storage/layer_writer.hpp"
#include "storage/tar_layout.hpp"
#include "storage/tar_layout_format.hpp"

namespace berth::storage {

namespace {

constexpr std::size_t kBufferSize = 1024 * 1024;
// Longest path an 'F' record may name. Linux paths are at most PATH_MAX
// (4096) bytes, so a longer one means a corrupt layout.
constexpr std::uint64_t kMaxPathLength = 64 * 1024;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

[[noreturn]] void fail_corrupt(const std::string& path, std::string_view problem) {
  fail(ErrorCode::kDigestMismatch, "tar layout {} is corrupt ({}): remove the image and pull it again",
       in_quotes(path), problem);
}

// The decompressed records of a layout file, read in order.
class LayoutInput {
 public:
  explicit LayoutInput(const std::string& path)
      : path_(path),
        file_(os::open_file(path, O_RDONLY)),
        context_(ZSTD_createDCtx(), ZSTD_freeDCtx),
        compressed_(ZSTD_DStreamInSize(), '\0'),
        plain_(ZSTD_DStreamOutSize(), '\0') {
    if (!context_) fail(ErrorCode::kInternal, "allocating a zstd decompression context failed");
  }

  // Copies the next size bytes to out, or fails when the layout ends first.
  void read(void* out, std::size_t size) {
    auto* dest = static_cast<char*>(out);
    while (size > 0) {
      if (plain_pos_ == plain_end_ && !refill()) fail_corrupt(path_, "it ends early");
      std::size_t used = std::min(size, plain_end_ - plain_pos_);
      std::memcpy(dest, plain_.data() + plain_pos_, used);
      plain_pos_ += used;
      dest += used;
      size -= used;
    }
  }

  // Returns a view of at most max next bytes, at least one.
  std::string_view read_some(std::size_t max) {
    if (plain_pos_ == plain_end_ && !refill()) fail_corrupt(path_, "it ends early");
    std::size_t used = std::min(max, plain_end_ - plain_pos_);
    std::string_view view(plain_.data() + plain_pos_, used);
    plain_pos_ += used;
    return view;
  }

  char read_byte() {
    char byte;
    read(&byte, 1);
    return byte;
  }

  std::uint64_t read_varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      auto byte = static_cast<unsigned char>(read_byte());
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail_corrupt(path_, "a number is too long");
  }

  // Returns whether the zstd frame ends here with nothing after it.
  bool at_end() { return plain_pos_ == plain_end_ && !refill() && frame_done_; }

  const std::string& path() const { return path_; }

 private:
  bool refill() {
    for (;;) {
      if (in_.pos < in_.size || output_pending_) {
        ZSTD_outBuffer out{plain_.data(), plain_.size(), 0};
        std::size_t hint = ZSTD_decompressStream(context_.get(), &out, &in_);
        if (ZSTD_isError(hint)) fail_corrupt(path_, ZSTD_getErrorName(hint));
        frame_done_ = hint == 0;
        // A full output buffer may leave decompressed bytes inside zstd.
        output_pending_ = out.pos == out.size;
        if (out.pos > 0) {
          plain_pos_ = 0;
          plain_end_ = out.pos;
          return true;
        }
        if (in_.pos < in_.size) continue;
      }
      ssize_t n = ::read(file_.get(), compressed_.data(), compressed_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        fail_errno(errno, "reading tar layout " + in_quotes(path_));
      }
      if (n == 0) return false;
      in_ = {compressed_.data(), static_cast<std::size_t>(n), 0};
    }
  }

  std::string path_;
  os::Fd file_;
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context_;
  std::string compressed_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  std::string plain_;
  std::size_t plain_pos_ = 0;
  std::size_t plain_end_ = 0;
  bool frame_done_ = false;
  bool output_pending_ = false;
};

[[noreturn]] void fail_changed(const std::string& path, std::string_view how) {
  fail(ErrorCode::kDigestMismatch,
       "file {} in the layer {} since it was extracted: remove the image and pull it again",
       in_quotes(path), how);
}

// Copies the regular file at path beneath diff to out, checking its size
// and CRC-32 against the layout's.
void copy_file(int diff, const std::string& path, std::uint64_t size, std::uint32_t crc,
               std::string& buffer, HashingWriter& out) {
  os::Fd file(open_beneath(diff, path, O_RDONLY | O_NOFOLLOW));
  if (!file) {
    if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR || errno == EXDEV) {
      fail_changed(path, "was removed or replaced");
    }
    fail_errno(errno, "opening " + in_quotes(path) + " in the layer");
  }
  struct stat st;
  if (::fstat(file.get(), &st) != 0) fail_errno(errno, "stat " + in_quotes(path));
  if (!S_ISREG(st.st_mode)) fail_changed(path, "was replaced by a file that is not regular");
  if (static_cast<std::uint64_t>(st.st_size) != size) {
    fail_changed(path, "changed size from " + std::to_string(size) + " to " +
                           std::to_string(st.st_size) + " bytes");
  }
  unsigned long actual = crc32_z(0, nullptr, 0);
  std::uint64_t left = size;
  while (left > 0) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    ssize_t n = ::read(file.get(), buffer.data(), want);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "reading " + in_quotes(path) + " in the layer");
    }
    if (n == 0) fail_changed(path, "became shorter");
    actual = crc32_z(actual, reinterpret_cast<const unsigned char*>(buffer.data()),
                     static_cast<std::size_t>(n));
    out.write({buffer.data(), static_cast<std::size_t>(n)});
    left -= static_cast<std::uint64_t>(n);
  }
  if (static_cast<std::uint32_t>(actual) != crc) {
    fail(ErrorCode::kDigestMismatch,
         "file {} in the layer differs from its content in the layer tar, because it changed "
         "after extraction or the tar holds that path more than once: remove the image and pull "
         "it again",
         in_quotes(path));
  }
}

}  // namespace

std::string write_tar_from_layout(const std::string& layout_path, const std::string& diff_dir,
                                  int fd) {
  return write_tar_from_layout(layout_path, diff_dir,
                               [fd](std::string_view data) { os::write_all(fd, data); });
}

std::string write_tar_from_layout(const std::string& layout_path, const std::string& diff_dir,
                                  const HashingWriter::Sink& sink) {
  LayoutInput input(layout_path);
  os::Fd diff = os::open_file(diff_dir, O_RDONLY | O_DIRECTORY);
  HashingWriter out(sink);
  std::string buffer(kBufferSize, '\0');

  std::string magic(tar_layout::kMagic.size(), '\0');
  input.read(magic.data(), magic.size());
  if (magic != tar_layout::kMagic) fail_corrupt(layout_path, "unknown header");

  for (;;) {
    char type = input.read_byte();
    if (type == tar_layout::kVerbatimRecord) {
      std::uint64_t left = input.read_varint();
      while (left > 0) {
        std::string_view bytes = input.read_some(static_cast<std::size_t>(
            std::min<std::uint64_t>(left, kBufferSize)));
        out.write(bytes);
        left -= bytes.size();
      }
    } else if (type == tar_layout::kFileRecord) {
      std::uint64_t length = input.read_varint();
      if (length == 0 || length > kMaxPathLength) fail_corrupt(layout_path, "invalid path length");
      std::string path(static_cast<std::size_t>(length), '\0');
      input.read(path.data(), path.size());
      std::uint64_t size = input.read_varint();
      unsigned char crc_bytes[4];
      input.read(crc_bytes, sizeof crc_bytes);
      std::uint32_t crc = crc_bytes[0] | (crc_bytes[1] << 8) | (crc_bytes[2] << 16) |
                          (static_cast<std::uint32_t>(crc_bytes[3]) << 24);
      copy_file(diff.get(), path, size, crc, buffer, out);
    } else if (type == tar_layout::kEndRecord) {
      std::uint64_t total = input.read_varint();
      if (total != out.total()) fail_corrupt(layout_path, "the stream size does not match");
      if (!input.at_end()) fail_corrupt(layout_path, "data after the end record");
      break;
    } else {
      fail_corrupt(layout_path, "unknown record type");
    }
  }
  out.flush();
  return out.digest();
}

}  // namespace berth::storage
