#include "image/platform.hpp"

#include <sys/utsname.h>

#include <cerrno>
#include <map>
#include <vector>

#include "common/error.hpp"

namespace berth::image {

namespace {

struct ArchAlias {
  std::string_view architecture;
  std::string_view variant;
};

// Kernel and distribution architecture names mapped to GOARCH, the names
// OCI indexes use, with the variant the name implies.
const std::map<std::string_view, ArchAlias>& arch_aliases() {
  static const std::map<std::string_view, ArchAlias> aliases = {
      {"x86_64", {"amd64", ""}},    {"x86-64", {"amd64", ""}},
      {"amd64", {"amd64", ""}},     {"aarch64", {"arm64", "v8"}},
      {"arm64", {"arm64", "v8"}},   {"armv8l", {"arm", "v8"}},
      {"armv7l", {"arm", "v7"}},    {"armhf", {"arm", "v7"}},
      {"armv6l", {"arm", "v6"}},    {"armel", {"arm", "v6"}},
      {"armv5tel", {"arm", "v5"}},  {"i386", {"386", ""}},
      {"i486", {"386", ""}},        {"i586", {"386", ""}},
      {"i686", {"386", ""}},        {"ppc64le", {"ppc64le", ""}},
      {"s390x", {"s390x", ""}},     {"riscv64", {"riscv64", ""}},
      {"mips64", {"mips64le", ""}}, {"loongarch64", {"loong64", ""}},
  };
  return aliases;
}

std::string normalize_architecture(std::string_view architecture) {
  auto it = arch_aliases().find(architecture);
  return std::string(it == arch_aliases().end() ? architecture : it->second.architecture);
}

// Variants that mean the same thing are made equal: arm64 "v8" is the
// default and written as "", amd64 "v1" likewise, and arm without a variant
// is "v7".
std::string normalize_variant(std::string_view architecture, std::string_view variant) {
  if (architecture == "arm64" && variant == "v8") return "";
  if (architecture == "amd64" && variant == "v1") return "";
  if (architecture == "arm" && variant.empty()) return "v7";
  return std::string(variant);
}

// Returns N of an arm variant "vN", or -1.
int arm_variant_number(std::string_view variant) {
  if (variant.size() != 2 || variant[0] != 'v' || variant[1] < '5' || variant[1] > '8') return -1;
  return variant[1] - '0';
}

}  // namespace

std::string Platform::str() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Platform parse_platform(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool empty_part = false;
  for (std::string_view part : parts) empty_part = empty_part || part.empty();
  if (parts.size() < 2 || parts.size() > 3 || empty_part) {
    fail(ErrorCode::kInvalidArgument,
         "invalid platform \"{}\": expected os/arch or os/arch/variant, such as linux/arm64", text);
  }
  Platform platform{std::string(parts[0]), normalize_architecture(parts[1]), ""};
  if (parts.size() == 3) platform.variant = std::string(parts[2]);
  return platform;
}

Platform host_platform() {
  struct utsname name {};
  if (::uname(&name) != 0) fail_errno(errno, "reading the host architecture with uname");
  Platform platform{"linux", std::string(name.machine), ""};
  if (auto it = arch_aliases().find(name.machine); it != arch_aliases().end()) {
    platform.architecture = std::string(it->second.architecture);
    platform.variant = std::string(it->second.variant);
  }
  return platform;
}

std::optional<int> platform_match_rank(const Platform& entry, const Platform& requested) {
  std::string architecture = normalize_architecture(entry.architecture);
  if (entry.os != requested.os || architecture != normalize_architecture(requested.architecture)) {
    return std::nullopt;
  }
  std::string entry_variant = normalize_variant(architecture, entry.variant);
  std::string requested_variant = normalize_variant(architecture, requested.variant);
  if (entry_variant == requested_variant) return 0;
  if (requested.variant.empty()) return 1;

  // An arm CPU runs code built for older arm variants.
  int entry_number = arm_variant_number(entry_variant);
  int requested_number = arm_variant_number(requested_variant);
  if (architecture == "arm" && entry_number > 0 && entry_number < requested_number) {
    return 1 + requested_number - entry_number;
  }
  return std::nullopt;
}

}  // namespace berth::image
