#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "storage/hashing_writer.hpp"

namespace berth::storage {

// A tar layout is everything in a layer's uncompressed tar stream except the
// contents of its regular files, so that the extracted diff directory plus
// the layout give back the stream byte for byte, and with it the diff ID
// that registries and image configs name the layer by. containers/storage
// keeps the same kind of record under the name "tar-split".
//
// The file is one zstd frame. Uncompressed, it is the line
// "berth-tar-layout 1\n" followed by records, where n is an unsigned LEB128
// number:
//
//   'R' n <n bytes>              bytes of the stream, stored verbatim: headers,
//                                pax and GNU long-name records, padding, the
//                                end-of-archive blocks, trailing bytes, and
//                                the data of entries that are not regular
//                                files on disk (sparse files, whiteouts,
//                                hardlinks with data, unknown types)
//   'F' n <n bytes path> n <4 bytes CRC-32, little endian>
//                                the next bytes are the content of the
//                                regular file at path in the diff directory:
//                                the second n is its size, the CRC-32 (zlib's)
//                                is of its content when it was extracted
//   'E' n                        end of the layout; n is the stream's size
//
// Empty regular files need no 'F' record.

// Records the layout of a tar stream fed to it in order, in any chunk sizes.
// It parses tar headers itself. From the first header it cannot parse, it
// stores the rest of the stream verbatim, so a stream it does not understand
// gives a larger layout but no error.
class TarLayoutRecorder {
 public:
  // Creates the layout file at path, replacing an existing one.
  explicit TarLayoutRecorder(const std::string& path);
  ~TarLayoutRecorder();
  TarLayoutRecorder(const TarLayoutRecorder&) = delete;
  TarLayoutRecorder& operator=(const TarLayoutRecorder&) = delete;

  // Records the next bytes of the stream. Throws Error when writing the file
  // fails.
  void update(const void* data, std::size_t size);

  // Writes what is buffered and the end record and closes the file, without
  // fsync: the layer store syncs the whole layer before making it visible.
  // Call once, after the last update.
  void finish();

 private:
  class Parser;
  class Encoder;

  std::unique_ptr<Encoder> encoder_;
  std::unique_ptr<Parser> parser_;
};

// Writes the tar stream recorded in the layout file at layout_path to fd,
// reading regular file contents from diff_dir, and returns "sha256:<hex>" of
// the bytes written. Throws Error{kDigestMismatch} naming the file when a
// file's size or CRC-32 differs from the recorded one or the file is
// missing, and when the layout is truncated or corrupt; Error{kNotFound}
// when layout_path does not exist. After an error fd has received part of
// the stream. Files are opened beneath diff_dir without following symlinks.
std::string write_tar_from_layout(const std::string& layout_path, const std::string& diff_dir,
                                  int fd);

// Does what the fd form does, but hands the stream to sink.
std::string write_tar_from_layout(const std::string& layout_path, const std::string& diff_dir,
                                  const HashingWriter::Sink& sink);

}  // namespace berth::storage
