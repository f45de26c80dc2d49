#include <fcntl.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"
#include "storage/layer_writer.hpp"
#include "storage/tar_header.hpp"
#include "storage/tar_layout.hpp"
#include "storage/tar_layout_format.hpp"

namespace berth::storage {

namespace {

// Uncompressed layout bytes collected before they go through zstd, and the
// size at which a run of verbatim bytes becomes its own record.
constexpr std::size_t kCompressChunk = 256 * 1024;
constexpr std::size_t kMaxVerbatimRecord = 1024 * 1024;
// From a pax or GNU long-name entry with more data than this on, the rest of
// the stream is stored verbatim instead of being parsed.
constexpr std::uint64_t kMaxMetadataSize = 16 * 1024 * 1024;
constexpr int kZstdLevel = 3;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::uint64_t padding_after(std::uint64_t size) {
  return (tar::kBlockSize - size % tar::kBlockSize) % tar::kBlockSize;
}

}  // namespace

// Serializes layout records into the zstd-compressed file.
class TarLayoutRecorder::Encoder {
 public:
  explicit Encoder(const std::string& path)
      : path_(path),
        file_(os::open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)),
        context_(ZSTD_createCCtx(), ZSTD_freeCCtx),
        output_(ZSTD_CStreamOutSize(), '\0') {
    if (!context_) fail(ErrorCode::kInternal, "allocating a zstd compression context failed");
    ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_compressionLevel, kZstdLevel);
    plain_ = tar_layout::kMagic;
  }

  void verbatim(const unsigned char* data, std::size_t size) {
    verbatim_.append(reinterpret_cast<const char*>(data), size);
    total_ += size;
    if (verbatim_.size() >= kMaxVerbatimRecord) flush_verbatim();
  }

  void file(const std::string& path, std::uint64_t size, std::uint32_t crc) {
    flush_verbatim();
    plain_ += tar_layout::kFileRecord;
    tar_layout::append_varint(plain_, path.size());
    plain_ += path;
    tar_layout::append_varint(plain_, size);
    for (int shift = 0; shift < 32; shift += 8) plain_ += static_cast<char>((crc >> shift) & 0xff);
    total_ += size;
    if (plain_.size() >= kCompressChunk) compress(ZSTD_e_continue);
  }

  void finish() {
    flush_verbatim();
    plain_ += tar_layout::kEndRecord;
    tar_layout::append_varint(plain_, total_);
    compress(ZSTD_e_end);
    if (::close(file_.release()) != 0) fail_errno(errno, "closing " + in_quotes(path_));
  }

 private:
  void flush_verbatim() {
    if (verbatim_.empty()) return;
    plain_ += tar_layout::kVerbatimRecord;
    tar_layout::append_varint(plain_, verbatim_.size());
    plain_ += verbatim_;
    verbatim_.clear();
    if (plain_.size() >= kCompressChunk) compress(ZSTD_e_continue);
  }

  void compress(ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{plain_.data(), plain_.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{output_.data(), output_.size(), 0};
      std::size_t left = ZSTD_compressStream2(context_.get(), &out, &in, mode);
      if (ZSTD_isError(left)) {
        fail(ErrorCode::kInternal, "compressing tar layout {}: {}", in_quotes(path_),
             ZSTD_getErrorName(left));
      }
      with_context("writing tar layout " + in_quotes(path_),
                   [&] { os::write_all(file_.get(), {output_.data(), out.pos}); });
      bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) break;
    }
    plain_.clear();
  }

  std::string path_;
  os::Fd file_;
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context_;
  std::string output_;
  std::string plain_;     // records not yet compressed
  std::string verbatim_;  // stream bytes not yet in a record
  std::uint64_t total_ = 0;
};

// Splits the tar stream into headers and entry data, reading sizes as
// libarchive 3.6 does. Symlinks, devices, fifos and directories have no data
// whatever their size field contains, and a pax "size" keyword replaces the
// size field of the entry it belongs to.
class TarLayoutRecorder::Parser {
 public:
  explicit Parser(Encoder& encoder) : encoder_(encoder) {}

  void update(const unsigned char* data, std::size_t size) {
    while (size > 0) {
      std::size_t used = 0;
      switch (state_) {
        case State::kHeader:
          used = take_header(data, size);
          break;
        case State::kMetadata:
          used = take_metadata(data, size);
          break;
        case State::kContent:
          used = take_content(data, size);
          break;
        case State::kVerbatim:
          used = static_cast<std::size_t>(std::min<std::uint64_t>(size, remaining_));
          encoder_.verbatim(data, used);
          remaining_ -= used;
          if (remaining_ == 0) state_ = State::kHeader;
          break;
        case State::kTrailer:
          used = size;
          encoder_.verbatim(data, used);
          break;
      }
      data += used;
      size -= used;
    }
  }

 private:
  enum class State {
    kHeader,    // collecting a 512-byte header
    kMetadata,  // data of a pax or GNU long-name entry, stored and parsed
    kContent,   // regular file content, stored as an 'F' record
    kVerbatim,  // remaining_ bytes stored as they are, then a header
    kTrailer,   // everything to the end stored as it is
  };

  // Values that pax and GNU long-name entries set for the next real entry.
  struct Pending {
    std::optional<std::string> path;
    std::optional<std::uint64_t> size;
    bool sparse = false;
    bool pax = false;
  };

  std::size_t take_header(const unsigned char* data, std::size_t size) {
    std::size_t used = std::min(size, tar::kBlockSize - header_fill_);
    std::memcpy(header_ + header_fill_, data, used);
    header_fill_ += used;
    if (header_fill_ == tar::kBlockSize) {
      header_fill_ = 0;
      encoder_.verbatim(header_, tar::kBlockSize);
      on_header();
    }
    return used;
  }

  void on_header() {
    // libarchive ends the archive at the first zero block; what follows is
    // only covered by the diff ID.
    if (tar::is_zero_block(header_)) return give_up(nullptr);
    if (!tar::checksum_matches(header_)) return give_up("a header checksum does not match");
    auto field_size = tar::parse_number(
        {reinterpret_cast<const char*>(header_) + tar::kSizeOffset, tar::kSizeLength});
    if (!field_size) return give_up("a header has an invalid size field");
    char type = static_cast<char>(header_[tar::kTypeFlagOffset]);

    if (type == tar::kPaxLocal || type == tar::kGnuLongName) {
      if (*field_size > kMaxMetadataSize) return give_up("a pax or GNU long-name entry is too large");
      metadata_type_ = type;
      metadata_.clear();
      remaining_ = *field_size;
      padding_ = padding_after(*field_size);
      state_ = State::kMetadata;
      if (remaining_ == 0) end_metadata();
      return;
    }
    if (type == tar::kPaxGlobal || type == tar::kGnuLongLink) {
      skip_entry_data(*field_size);
      return;
    }
    if (type == tar::kGnuSparse) {
      // Old GNU sparse headers may be followed by extension blocks whose
      // count only their own flags tell.
      return give_up("the stream has a GNU sparse entry");
    }

    Pending entry = std::move(pending_);
    pending_ = Pending{};
    std::uint64_t size = entry.size.value_or(*field_size);
    if (type >= '2' && type <= '6') size = entry.size.value_or(0);
    if (type == '1' && size > 0 && !entry.pax) {
      // libarchive guesses whether a hardlink's size counts in plain ustar
      // archives; GNU and old headers have no hardlink data.
      if (is_posix_ustar()) return give_up("a ustar hardlink entry has a size");
      size = 0;
    }

    std::string name = entry.path ? *entry.path : tar::header_name(header_);
    auto path = content_path(type, name, entry.sparse);
    if (path && size > 0) {
      content_path_ = std::move(*path);
      content_size_ = size;
      crc_ = crc32_z(0, nullptr, 0);
      remaining_ = size;
      padding_ = padding_after(size);
      state_ = State::kContent;
      return;
    }
    skip_entry_data(size);
  }

  // Returns the path in the diff directory where extraction puts the entry's
  // content, or nullopt when the content has to be stored verbatim.
  static std::optional<std::string> content_path(char type, const std::string& name,
                                                 bool sparse) {
    if (!tar::is_regular_type(type) || sparse || name.ends_with('/')) return std::nullopt;
    auto path = clean_entry_path(name);
    if (!path || path->empty()) return std::nullopt;
    auto slash = path->rfind('/');
    std::string_view base = slash == std::string::npos ? *path : path->substr(slash + 1);
    // Whiteouts become devices or xattrs on disk: their data (if any) is not there.
    if (base.starts_with(".wh.")) return std::nullopt;
    return path;
  }

  bool is_posix_ustar() const {
    return std::memcmp(header_ + tar::kMagicOffset, "ustar", 6) == 0;
  }

  std::size_t take_metadata(const unsigned char* data, std::size_t size) {
    std::size_t used = static_cast<std::size_t>(std::min<std::uint64_t>(size, remaining_));
    encoder_.verbatim(data, used);
    metadata_.append(reinterpret_cast<const char*>(data), used);
    remaining_ -= used;
    if (remaining_ == 0) end_metadata();
    return used;
  }

  void end_metadata() {
    if (metadata_type_ == tar::kGnuLongName) {
      // The name ends at its first NUL.
      std::string name = metadata_.substr(0, metadata_.find('\0'));
      if (!pending_.path) pending_.path = std::move(name);
    } else {
      auto values = tar::parse_pax(metadata_);
      if (!values) return give_up("a pax extended header is malformed");
      // With a GNU long name and a pax path before one header, libarchive
      // 3.6.2 uses the one that comes first (the tests check both orders).
      if (values->path && !pending_.path) pending_.path = std::move(values->path);
      if (values->size) pending_.size = values->size;
      pending_.sparse = pending_.sparse || values->sparse;
      pending_.pax = true;
    }
    metadata_.clear();
    skip(padding_);
  }

  std::size_t take_content(const unsigned char* data, std::size_t size) {
    std::size_t used = static_cast<std::size_t>(std::min<std::uint64_t>(size, remaining_));
    crc_ = crc32_z(crc_, data, used);
    remaining_ -= used;
    if (remaining_ == 0) {
      encoder_.file(content_path_, content_size_, static_cast<std::uint32_t>(crc_));
      skip(padding_);
    }
    return used;
  }

  // Stores entry data of size bytes and its padding verbatim.
  void skip_entry_data(std::uint64_t size) { skip(size + padding_after(size)); }

  // Stores the next size bytes verbatim, then expects a header.
  void skip(std::uint64_t size) {
    remaining_ = size;
    state_ = size > 0 ? State::kVerbatim : State::kHeader;
  }

  // Stores the rest of the stream verbatim. reason is null at the normal end
  // of the archive.
  void give_up(const char* reason) {
    if (reason) spdlog::debug("tar layout: {}; storing the rest of the layer verbatim", reason);
    state_ = State::kTrailer;
  }

  Encoder& encoder_;
  State state_ = State::kHeader;
  unsigned char header_[tar::kBlockSize];
  std::size_t header_fill_ = 0;
  std::uint64_t remaining_ = 0;
  std::uint64_t padding_ = 0;
  char metadata_type_ = 0;
  std::string metadata_;
  Pending pending_;
  std::string content_path_;
  std::uint64_t content_size_ = 0;
  unsigned long crc_ = 0;
};

TarLayoutRecorder::TarLayoutRecorder(const std::string& path)
    : encoder_(std::make_unique<Encoder>(path)), parser_(std::make_unique<Parser>(*encoder_)) {}

TarLayoutRecorder::~TarLayoutRecorder() = default;

void TarLayoutRecorder::update(const void* data, std::size_t size) {
  parser_->update(static_cast<const unsigned char*>(data), size);
}

void TarLayoutRecorder::finish() { encoder_->finish(); }

}  // namespace berth::storage
