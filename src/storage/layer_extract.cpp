#include "storage/layer_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <optional>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "os/file.hpp"
#include "storage/layer_writer.hpp"
#include "storage/tar_layout.hpp"

namespace berth::storage {

namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

ArchivePtr new_reader() {
  archive* reader = archive_read_new();
  if (reader == nullptr) fail(ErrorCode::kInternal, "allocating a libarchive reader failed");
  return ArchivePtr(reader, archive_read_free);
}

std::string archive_message(archive* reader) {
  const char* message = archive_error_string(reader);
  return message ? message : "unknown error";
}

// The uncompressed layer stream. The outer reader only decompresses, with
// libarchive's "raw" format. The tar reader pulls the decompressed blocks
// through read_block, which hashes them on the way, so one pass over the blob
// yields both the files and the diff ID.
struct UncompressedStream {
  archive* outer = nullptr;
  Sha256 sha256;
  std::int64_t size = 0;  // uncompressed bytes read so far
  TarLayoutRecorder* layout = nullptr;  // when set, records the stream too
  std::string error;  // the outer reader's failure, when it had one
  std::optional<Error> layout_error;
};

la_ssize_t read_block(archive* tar, void* client, const void** buffer) {
  auto* stream = static_cast<UncompressedStream*>(client);
  for (;;) {
    size_t size = 0;
    la_int64_t offset = 0;
    int status = archive_read_data_block(stream->outer, buffer, &size, &offset);
    if (status == ARCHIVE_EOF) return 0;
    if (status < ARCHIVE_WARN) {
      stream->error = archive_message(stream->outer);
      archive_set_error(tar, EIO, "%s", stream->error.c_str());
      return -1;
    }
    if (size == 0) continue;
    stream->sha256.update(*buffer, size);
    stream->size += static_cast<std::int64_t>(size);
    if (stream->layout) {
      // An exception must not unwind through libarchive's C frames.
      try {
        stream->layout->update(*buffer, size);
      } catch (const Error& e) {
        stream->layout_error = e;
        archive_set_error(tar, EIO, "%s", e.what());
        return -1;
      }
    }
    return static_cast<la_ssize_t>(size);
  }
}

// Opens outer with the decompressors layers use; open_input attaches the blob.
ExtractedLayer extract_with(const std::function<int(archive*)>& open_input,
                            const std::string& target_dir, TarLayoutRecorder* layout) {
  ArchivePtr outer = new_reader();
  // Only built-in decompressors: filter_all would also run external programs
  // such as lrzip when a blob looks like their format.
  archive_read_support_filter_gzip(outer.get());
  archive_read_support_filter_zstd(outer.get());
  archive_read_support_filter_bzip2(outer.get());
  archive_read_support_filter_xz(outer.get());
  archive_read_support_format_raw(outer.get());
  if (open_input(outer.get()) != ARCHIVE_OK) {
    fail(ErrorCode::kInvalidArgument, "reading layer: {}", archive_message(outer.get()));
  }
  archive_entry* entry;
  if (archive_read_next_header(outer.get(), &entry) < ARCHIVE_WARN) {
    fail(ErrorCode::kInvalidArgument, "reading layer: {}", archive_message(outer.get()));
  }

  UncompressedStream stream;
  stream.outer = outer.get();
  stream.layout = layout;
  ArchivePtr tar = new_reader();
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), &stream, nullptr, read_block, nullptr) != ARCHIVE_OK) {
    fail(ErrorCode::kInvalidArgument, "reading layer: {}", archive_message(tar.get()));
  }

  LayerWriter writer(target_dir);
  for (;;) {
    int status = archive_read_next_header(tar.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      if (stream.layout_error) throw *stream.layout_error;
      fail(ErrorCode::kInvalidArgument, "reading layer: {}",
           stream.error.empty() ? archive_message(tar.get()) : stream.error);
    }
    try {
      writer.write_entry(tar.get(), entry);
    } catch (const Error&) {
      // A failed layout write shows up as a failed data read.
      if (stream.layout_error) throw *stream.layout_error;
      throw;
    }
  }
  writer.finish();

  // The tar reader stops at the end-of-archive blocks; padding after them is
  // still part of the stream that the diff ID covers.
  const void* buffer;
  while (read_block(tar.get(), &stream, &buffer) > 0) {
  }
  if (stream.layout_error) throw *stream.layout_error;
  if (!stream.error.empty()) fail(ErrorCode::kInvalidArgument, "reading layer: {}", stream.error);
  return {"sha256:" + stream.sha256.hex_final(), stream.size};
}

}  // namespace

std::string extract_layer(int blob_fd, const std::string& target_dir) {
  return extract_with(
      [blob_fd](archive* outer) { return archive_read_open_fd(outer, blob_fd, 1 << 20); },
      target_dir, nullptr).diff_id;
}

std::string extract_layer(const std::string& blob_path, const std::string& target_dir) {
  os::Fd blob = os::open_file(blob_path, O_RDONLY);
  return with_context("extracting layer \"" + blob_path + "\"",
                      [&] { return extract_layer(blob.get(), target_dir); });
}

ExtractedLayer extract_layer(const std::string& blob_path, const std::string& target_dir,
                             TarLayoutRecorder& layout) {
  os::Fd blob = os::open_file(blob_path, O_RDONLY);
  return with_context("extracting layer \"" + blob_path + "\"", [&] {
    return extract_with(
        [&blob](archive* outer) { return archive_read_open_fd(outer, blob.get(), 1 << 20); },
        target_dir, &layout);
  });
}

std::string extract_layer_from_memory(std::string_view blob, const std::string& target_dir) {
  return extract_with(
      [blob](archive* outer) { return archive_read_open_memory(outer, blob.data(), blob.size()); },
      target_dir, nullptr).diff_id;
}

}  // namespace berth::storage
