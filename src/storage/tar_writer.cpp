#include "storage/tar_writer.hpp"

#include <cstdio>
#include <cstring>

#include "common/error.hpp"
#include "storage/tar_header.hpp"

namespace berth::storage {

namespace {

// Largest values of the ustar octal fields: 7 digits for ids, 11 for size
// and mtime.
constexpr std::uint64_t kMaxId = 07777777;
constexpr std::uint64_t kMaxSize = 077777777777;
constexpr std::size_t kLinkNameOffset = 157;
constexpr std::size_t kLinkNameLength = 100;

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

void put_octal(std::string& block, std::size_t offset, std::size_t length, std::uint64_t value) {
  // length - 1 zero-padded digits and a NUL; callers keep value in range.
  for (std::size_t i = length - 1; i-- > 0;) {
    block[offset + i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  block[offset + length - 1] = '\0';
}

void put_text(std::string& block, std::size_t offset, std::size_t length, std::string_view text) {
  std::memcpy(block.data() + offset, text.data(), std::min(length, text.size()));
}

void set_checksum(std::string& block) {
  std::memset(block.data() + tar::kChecksumOffset, ' ', tar::kChecksumLength);
  unsigned sum = 0;
  for (unsigned char byte : block) sum += byte;
  // Six digits, a NUL and the space already there.
  std::snprintf(block.data() + tar::kChecksumOffset, 7, "%06o", sum);
}

// Appends the pax record "<length> <key>=<value>\n", where length counts the
// whole record including its own digits.
void append_pax_record(std::string& out, std::string_view key, std::string_view value) {
  std::size_t body = 1 + key.size() + 1 + value.size() + 1;  // " key=value\n"
  std::size_t length = body + 1;
  while (std::to_string(length).size() + body != length) length = std::to_string(length).size() + body;
  out += std::to_string(length);
  out += ' ';
  out += key;
  out += '=';
  out += value;
  out += '\n';
}

// Splits path into the ustar prefix and name fields, or returns false when
// no "/" gives parts that fit.
bool split_ustar_path(const std::string& path, std::string& prefix, std::string& name) {
  if (path.size() <= tar::kNameLength) {
    prefix.clear();
    name = path;
    return true;
  }
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    if (slash > tar::kPrefixLength) break;
    std::size_t rest = path.size() - slash - 1;
    if (rest > 0 && rest <= tar::kNameLength) {
      prefix = path.substr(0, slash);
      name = path.substr(slash + 1);
      return true;
    }
  }
  return false;
}

std::string ustar_block(const TarWriterEntry& entry, const std::string& prefix,
                        const std::string& name, std::uint64_t size, char type) {
  std::string block(tar::kBlockSize, '\0');
  put_text(block, tar::kNameOffset, tar::kNameLength, name);
  put_octal(block, 100, 8, entry.permissions & 07777);
  put_octal(block, 108, 8, entry.uid <= kMaxId ? entry.uid : 0);
  put_octal(block, 116, 8, entry.gid <= kMaxId ? entry.gid : 0);
  put_octal(block, tar::kSizeOffset, tar::kSizeLength, size <= kMaxSize ? size : 0);
  bool mtime_fits = entry.mtime >= 0 && static_cast<std::uint64_t>(entry.mtime) <= kMaxSize;
  put_octal(block, 136, 12, mtime_fits ? static_cast<std::uint64_t>(entry.mtime) : 0);
  block[tar::kTypeFlagOffset] = type;
  put_text(block, kLinkNameOffset, kLinkNameLength, entry.link_target);
  std::memcpy(block.data() + tar::kMagicOffset, "ustar\0" "00", 8);
  if (type == '3' || type == '4') {
    put_octal(block, 329, 8, entry.device_major);
    put_octal(block, 337, 8, entry.device_minor);
  }
  put_text(block, tar::kPrefixOffset, tar::kPrefixLength, prefix);
  set_checksum(block);
  return block;
}

std::string padding(std::uint64_t size) {
  return std::string((tar::kBlockSize - size % tar::kBlockSize) % tar::kBlockSize, '\0');
}

}  // namespace

TarWriter::TarWriter(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}

void TarWriter::write_header(const TarWriterEntry& entry) {
  end_entry();
  // Directory names end in "/", as GNU tar writes them.
  std::string path = entry.type == '5' ? entry.path + "/" : entry.path;
  std::uint64_t size = entry.type == '0' ? entry.size : 0;

  std::string records;
  std::string prefix, name;
  if (!split_ustar_path(path, prefix, name)) {
    append_pax_record(records, "path", path);
    prefix.clear();
    name = path.substr(0, tar::kNameLength);
  }
  if (entry.link_target.size() > kLinkNameLength) {
    append_pax_record(records, "linkpath", entry.link_target);
  }
  if (size > kMaxSize) append_pax_record(records, "size", std::to_string(size));
  if (entry.uid > kMaxId) append_pax_record(records, "uid", std::to_string(entry.uid));
  if (entry.gid > kMaxId) append_pax_record(records, "gid", std::to_string(entry.gid));
  if (entry.mtime < 0 || static_cast<std::uint64_t>(entry.mtime) > kMaxSize) {
    append_pax_record(records, "mtime", std::to_string(entry.mtime));
  }
  for (const auto& [key, value] : entry.xattrs) {
    append_pax_record(records, "SCHILY.xattr." + key, value);
  }

  if (!records.empty()) {
    TarWriterEntry pax;
    pax.permissions = 0644;
    pax.mtime = entry.mtime;
    auto slash = entry.path.rfind('/');
    std::string base = slash == std::string::npos ? entry.path : entry.path.substr(slash + 1);
    std::string pax_name = ("PaxHeaders/" + base).substr(0, tar::kNameLength);
    sink_(ustar_block(pax, "", pax_name, records.size(), tar::kPaxLocal));
    sink_(records);
    sink_(padding(records.size()));
  }
  sink_(ustar_block(entry, prefix, name, size, entry.type));
  data_left_ = size;
  data_size_ = size;
  current_path_ = entry.path;
}

void TarWriter::write_data(std::string_view data) {
  if (data.size() > data_left_) {
    fail(ErrorCode::kInternal, "tar entry {} got more than its size of {} bytes",
         in_quotes(current_path_), data_size_);
  }
  sink_(data);
  data_left_ -= data.size();
}

void TarWriter::end_entry() {
  if (data_left_ > 0) {
    fail(ErrorCode::kInternal, "tar entry {} got {} bytes less than its size of {} bytes",
         in_quotes(current_path_), data_left_, data_size_);
  }
  if (data_size_ > 0) sink_(padding(data_size_));
  data_size_ = 0;
}

void TarWriter::finish() {
  end_entry();
  sink_(std::string(2 * tar::kBlockSize, '\0'));
}

}  // namespace berth::storage
