#include "network/ipv4.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "common/error.hpp"

namespace berth::network {

std::optional<std::uint32_t> try_parse_ipv4(std::string_view text) {
  // inet_pton needs a NUL-terminated string and accepts only the four-part
  // dotted form, unlike inet_aton ("10.1" would be 10.0.0.1 there).
  if (text.size() > INET_ADDRSTRLEN) return std::nullopt;
  std::string copy(text);
  in_addr address{};
  if (::inet_pton(AF_INET, copy.c_str(), &address) != 1) return std::nullopt;
  return ntohl(address.s_addr);
}

std::uint32_t parse_ipv4(std::string_view text) {
  auto address = try_parse_ipv4(text);
  if (!address) fail(ErrorCode::kInvalidArgument, "invalid IPv4 address \"{}\"", text);
  return *address;
}

std::string format_ipv4(std::uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff,
                     address & 0xff);
}

Ipv4Subnet Ipv4Subnet::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    fail(ErrorCode::kInvalidArgument, "invalid subnet \"{}\": expected CIDR form like 10.88.0.0/16",
         text);
  }
  auto address = try_parse_ipv4(text.substr(0, slash));
  auto len_text = text.substr(slash + 1);
  int len = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (!address || ec != std::errc() || end != len_text.data() + len_text.size() || len < 0 ||
      len > 32) {
    fail(ErrorCode::kInvalidArgument, "invalid subnet \"{}\": expected CIDR form like 10.88.0.0/16",
         text);
  }
  Ipv4Subnet subnet{*address, len};
  if ((subnet.network & ~subnet.mask()) != 0) {
    fail(ErrorCode::kInvalidArgument, "invalid subnet \"{}\": host bits are set, use {}", text,
         Ipv4Subnet{subnet.network & subnet.mask(), len}.str());
  }
  return subnet;
}

std::uint32_t Ipv4Subnet::mask() const {
  return prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_len);
}

std::uint32_t Ipv4Subnet::broadcast() const { return network | ~mask(); }

bool Ipv4Subnet::contains(std::uint32_t address) const {
  return (address & mask()) == network;
}

std::string Ipv4Subnet::str() const { return fmt::format("{}/{}", format_ipv4(network), prefix_len); }

}  // namespace berth::network
