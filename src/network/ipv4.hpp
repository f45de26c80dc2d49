#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::network {

// Parses a dotted-quad IPv4 address into host byte order, or returns nullopt.
std::optional<std::uint32_t> try_parse_ipv4(std::string_view text);

// Parses a dotted-quad IPv4 address into host byte order. Throws
// Error{kInvalidArgument} naming the value when it is not one.
std::uint32_t parse_ipv4(std::string_view text);

// Formats a host-byte-order IPv4 address as a dotted quad.
std::string format_ipv4(std::uint32_t address);

// An IPv4 subnet in CIDR form, such as 10.88.0.0/16.
struct Ipv4Subnet {
  std::uint32_t network = 0;  // host byte order, host bits cleared
  int prefix_len = 0;         // 0..32

  // Parses "a.b.c.d/len". Throws Error{kInvalidArgument} naming the value
  // when it does not parse or has host bits set (10.88.0.1/16).
  static Ipv4Subnet parse(std::string_view text);

  std::uint32_t mask() const;
  std::uint32_t broadcast() const;
  bool contains(std::uint32_t address) const;
  std::string str() const;
};

}  // namespace berth::network
