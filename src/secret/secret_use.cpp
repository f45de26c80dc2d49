#include "secret/secret_use.hpp"

#include <charconv>

#include "common/error.hpp"

namespace berth::secret {

namespace {

std::uint32_t parse_number(std::string_view text, std::string_view key, int base,
                           std::string_view whole) {
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    fail(ErrorCode::kInvalidArgument, "invalid --secret \"{}\": {}={} is not {}", whole, key,
         text, base == 8 ? "an octal mode such as 0400" : "a number");
  }
  return value;
}

}  // namespace

SecretUse parse_secret_use(std::string_view text) {
  SecretUse use;
  bool numeric_options = false;
  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string_view part =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (first) {
      first = false;
      if (part.empty() || part.find('=') != std::string_view::npos) {
        fail(ErrorCode::kInvalidArgument,
             "invalid --secret \"{}\": it must start with the secret's name", text);
      }
      use.name = std::string(part);
      continue;
    }
    auto equals = part.find('=');
    std::string_view key = part.substr(0, equals);
    std::string_view value =
        equals == std::string_view::npos ? std::string_view() : part.substr(equals + 1);
    if (equals == std::string_view::npos || value.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --secret \"{}\": option \"{}\" needs a value (KEY=VALUE)", text, part);
    }
    if (key == "type") {
      if (value != "mount" && value != "env") {
        fail(ErrorCode::kInvalidArgument,
             "invalid --secret \"{}\": type \"{}\" is unknown: use mount or env", text, value);
      }
      use.type = std::string(value);
    } else if (key == "target") {
      use.target = std::string(value);
    } else if (key == "uid") {
      use.uid = parse_number(value, key, 10, text);
      numeric_options = true;
    } else if (key == "gid") {
      use.gid = parse_number(value, key, 10, text);
      numeric_options = true;
    } else if (key == "mode") {
      use.mode = parse_number(value, key, 8, text);
      if (use.mode > 07777) {
        fail(ErrorCode::kInvalidArgument,
             "invalid --secret \"{}\": mode {} is beyond 07777", text, value);
      }
      // Only the permission bits count: a secret file is never setuid,
      // setgid or sticky, as in Podman.
      use.mode &= 0777;
      numeric_options = true;
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid --secret \"{}\": option \"{}\" is unknown: use type, target, uid, gid or "
           "mode",
           text, part);
    }
  }
  if (use.target.empty()) use.target = use.name;
  if (use.type == "env") {
    if (numeric_options) {
      fail(ErrorCode::kInvalidArgument,
           "invalid --secret \"{}\": uid, gid and mode apply only to type=mount", text);
    }
    return use;
  }
  if (!use.target.starts_with('/')) use.target = std::string(kSecretsDir) + "/" + use.target;
  if (use.target.find("/../") != std::string::npos || use.target.ends_with("/..")) {
    fail(ErrorCode::kInvalidArgument,
         "invalid --secret \"{}\": the target must not contain \"..\"", text);
  }
  return use;
}

void to_json(nlohmann::json& j, const SecretUse& use) {
  j = {{"name", use.name}, {"id", use.id},   {"type", use.type}, {"target", use.target},
       {"uid", use.uid},   {"gid", use.gid}, {"mode", use.mode}};
}

void from_json(const nlohmann::json& j, SecretUse& use) {
  use.name = j.value("name", "");
  use.id = j.value("id", "");
  use.type = j.value("type", "mount");
  use.target = j.value("target", "");
  use.uid = j.value("uid", 0u);
  use.gid = j.value("gid", 0u);
  use.mode = j.value("mode", 0444u);
}

}  // namespace berth::secret
