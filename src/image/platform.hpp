#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::image {

// An image platform as OCI index entries and --platform name it.
struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // GOARCH: "amd64", "arm64", "arm", ...
  std::string variant;       // "v8", "v7", ... or ""

  // Returns "os/architecture[/variant]".
  std::string str() const;
  bool operator==(const Platform&) const = default;
};

// Parses "os/arch[/variant]" as --platform takes it; the architecture is
// normalised to its GOARCH name ("x86_64" -> "amd64", "aarch64" -> "arm64").
// Throws Error{kInvalidArgument} naming the text when it has not two or three
// non-empty parts.
Platform parse_platform(std::string_view text);

// Returns the platform of this machine: "linux" and the uname machine mapped
// to GOARCH (x86_64 -> amd64, aarch64 -> arm64 with variant v8, armv7l ->
// arm with variant v7, ...).
Platform host_platform();

// Returns how well an index entry's platform serves the requested one: nullopt
// when it does not, else a rank where 0 is an exact match and higher is
// worse. See select_platform for the rules.
std::optional<int> platform_match_rank(const Platform& entry, const Platform& requested);

}  // namespace berth::image
