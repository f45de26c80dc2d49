#pragma once

// The record format of tar layout files, shared by the recorder and the
// reader. tar_layout.hpp describes it.

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::storage::tar_layout {

constexpr std::string_view kMagic = "berth-tar-layout 1\n";
constexpr char kVerbatimRecord = 'R';
constexpr char kFileRecord = 'F';
constexpr char kEndRecord = 'E';

// Appends value as unsigned LEB128: seven bits a byte, low bits first, the
// high bit set on every byte but the last.
inline void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

}  // namespace berth::storage::tar_layout
