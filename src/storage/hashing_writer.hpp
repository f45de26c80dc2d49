#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/digest.hpp"
#include "os/file.hpp"

namespace berth::storage {

// Buffered output to a file descriptor or a sink function that hashes the
// bytes it writes, for streams whose digest the writer returns. Call flush()
// before reading the digest; the destructor does not flush.
class HashingWriter {
 public:
  static constexpr std::size_t kBufferSize = 1024 * 1024;
  // Receives the output in pieces of up to kBufferSize bytes, or bigger.
  using Sink = std::function<void(std::string_view data)>;

  explicit HashingWriter(int fd) : fd_(fd) { buffer_.reserve(kBufferSize); }
  explicit HashingWriter(Sink sink) : sink_(std::move(sink)) { buffer_.reserve(kBufferSize); }

  void write(std::string_view data) {
    sha256_.update(data);
    total_ += data.size();
    if (buffer_.size() + data.size() > kBufferSize) flush();
    if (data.size() >= kBufferSize) {
      emit(data);
    } else {
      buffer_.append(data);
    }
  }

  void flush() {
    if (!buffer_.empty()) emit(buffer_);
    buffer_.clear();
  }

  // Bytes written so far.
  std::uint64_t total() const { return total_; }

  // Returns "sha256:<hex>" of everything written. Call once, at the end.
  std::string digest() { return "sha256:" + sha256_.hex_final(); }

 private:
  void emit(std::string_view data) {
    if (sink_) {
      sink_(data);
    } else {
      os::write_all(fd_, data);
    }
  }

  int fd_ = -1;
  Sink sink_;
  std::string buffer_;
  Sha256 sha256_;
  std::uint64_t total_ = 0;
};

}  // namespace berth::storage
