#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::storage {

// One entry of a tar archive as TarWriter writes it.
struct TarWriterEntry {
  std::string path;  // relative, without a trailing "/"
  char type = '0';   // the ustar type flag: '0' file, '1' hardlink, '2' symlink,
                     // '3' char device, '4' block device, '5' directory, '6' fifo
  std::uint32_t permissions = 0644;  // including setuid, setgid and sticky bits
  std::uint64_t uid = 0;
  std::uint64_t gid = 0;
  std::int64_t mtime = 0;     // seconds since the epoch
  std::uint64_t size = 0;     // content bytes that follow, regular files only
  std::string link_target;    // of a hardlink or symlink
  std::uint32_t device_major = 0;
  std::uint32_t device_minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

// Writes a POSIX pax tar stream: ustar headers, with a pax extended header
// before an entry whose path, link target, size, owner or mtime does not fit
// the ustar fields, or that has xattrs (as SCHILY.xattr.<name> records, the
// form libarchive, GNU tar and Go's archive/tar read). The stream ends with
// two zero blocks and no padding to a 10240-byte record.
//
// libarchive's own tar writer is not used because linking it statically
// pulls in every libarchive writer, including xar with libxml2 and nettle.
class TarWriter {
 public:
  // sink receives the stream in order.
  explicit TarWriter(std::function<void(std::string_view)> sink);

  // Writes the entry's headers. A regular file's content follows through
  // write_data, exactly entry.size bytes of it.
  void write_header(const TarWriterEntry& entry);
  void write_data(std::string_view data);

  // Writes the end-of-archive blocks. Throws Error{kInternal} when the last
  // file got fewer bytes than its size.
  void finish();

 private:
  void end_entry();

  std::function<void(std::string_view)> sink_;
  std::uint64_t data_left_ = 0;  // of the current entry
  std::uint64_t data_size_ = 0;
  std::string current_path_;
};

}  // namespace berth::storage
