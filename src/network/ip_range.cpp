#include "network/ip_range.hpp"

#include <bit>
#include <cstdint>

#include "common/error.hpp"
#include "network/ipv4.hpp"

namespace berth::network {

LeaseRange lease_range_of(std::string_view ip_range) {
  auto dash = ip_range.find('-');
  if (dash == std::string_view::npos) {
    Ipv4Subnet range = Ipv4Subnet::parse(ip_range);
    return {format_ipv4(range.network + 1), format_ipv4(range.broadcast())};
  }
  auto start = try_parse_ipv4(ip_range.substr(0, dash));
  auto end = try_parse_ipv4(ip_range.substr(dash + 1));
  if (!start || !end) {
    fail(ErrorCode::kInvalidArgument,
         "invalid ip range \"{}\": use a CIDR subnet or START-END with two IPv4 addresses",
         ip_range);
  }
  if (*end < *start) {
    fail(ErrorCode::kInvalidArgument,
         "invalid ip range \"{}\": the end address comes before the start address", ip_range);
  }
  return {format_ipv4(*start), format_ipv4(*end)};
}

std::string ip_range_of(const LeaseRange& range) {
  if (range.start_ip.empty() || range.end_ip.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid lease_range: it needs both start_ip and end_ip, got \"{}\" and \"{}\"",
         range.start_ip, range.end_ip);
  }
  std::uint32_t start = parse_ipv4(range.start_ip);
  std::uint32_t end = parse_ipv4(range.end_ip);
  // A CIDR range of 2^k addresses starting at an aligned network address N
  // gives start N + 1 and end N + 2^k - 1.
  std::uint32_t network = start - 1;
  std::uint64_t size = static_cast<std::uint64_t>(end) - network + 1;
  if (start > 0 && end >= network && std::has_single_bit(size) && size <= (1ULL << 32) &&
      network % size == 0) {
    int prefix_len = 32 - std::countr_zero(size);
    return format_ipv4(network) + "/" + std::to_string(prefix_len);
  }
  return range.start_ip + "-" + range.end_ip;
}

}  // namespace berth::network
