#include "engine/manifest_entry_check.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace berth::engine {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Whitespace, control characters and '/', which would break the
// "os/arch/variant" platform strings that pulls and inspect print.
bool is_forbidden_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f || c == '/';
}

// Returns value with control characters written as escapes (\t, \n,
// \xNN), so that an error message cannot garble the terminal.
std::string escaped(std::string_view value) {
  std::string text;
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\t') {
      text += "\\t";
    } else if (c == '\n') {
      text += "\\n";
    } else if (byte < 0x20 || byte == 0x7f) {
      text += fmt::format("\\x{:02x}", byte);
    } else {
      text += c;
    }
  }
  return text;
}

void check_name_field(std::string_view flag, const std::optional<std::string>& value,
                      std::string_view example) {
  if (!value) return;
  if (value->empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} value \"\": the value is empty (such as {})",
         flag, example);
  }
  if (!std::all_of(value->begin(), value->end(), is_name_char)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid {} value \"{}\": use only letters, digits, '.', '_' and '-' (such as {})", flag,
         escaped(*value), example);
  }
}

void check_os_version(const std::optional<std::string>& value) {
  if (!value) return;
  if (value->empty()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --os-version value \"\": the value is empty (such as 10.0.17763.1879)");
  }
  if (std::any_of(value->begin(), value->end(), is_forbidden_char)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --os-version value \"{}\": whitespace, control characters and '/' are not "
         "allowed",
         escaped(*value));
  }
}

}  // namespace

void check_entry_platform(const ManifestEntryOptions& options) {
  check_name_field("--arch", options.arch, "amd64");
  check_name_field("--os", options.os, "linux");
  check_name_field("--variant", options.variant, "v8");
  check_os_version(options.os_version);
}

}  // namespace berth::engine
