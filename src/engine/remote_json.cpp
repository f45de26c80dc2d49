// Remote client: request paths and JSON field readers (see remote_json.hpp).

#include "engine/remote_json.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/remote_engine.hpp"

namespace berth::engine::remote {

using nlohmann::json;

std::string escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string libpod(const std::string& suffix) { return kLibpodPrefix + suffix; }

std::string container_path(const std::string& name, const std::string& action) {
  return libpod("/containers/" + escape(name) + (action.empty() ? "" : "/" + action));
}

std::string string_or_empty(const json& object, const char* key) {
  return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

std::int64_t int_or_zero(const json& object, const char* key) {
  return object.contains(key) && object[key].is_number() ? object[key].get<std::int64_t>() : 0;
}

std::vector<container::PublishedPort> published_ports(const json& entry) {
  std::vector<container::PublishedPort> ports;
  if (!entry.contains("Ports") || !entry["Ports"].is_array()) return ports;
  for (const auto& p : entry["Ports"]) {
    container::PublishedPort port;
    port.host_ip = string_or_empty(p, "host_ip");
    port.host_port = static_cast<std::uint16_t>(int_or_zero(p, "host_port"));
    port.container_port = static_cast<std::uint16_t>(int_or_zero(p, "container_port"));
    port.protocol = string_or_empty(p, "protocol");
    if (port.protocol.empty()) port.protocol = "tcp";
    auto range = std::clamp<std::int64_t>(int_or_zero(p, "range"), 1,
                                          65536 - std::max(port.host_port, port.container_port));
    for (std::int64_t i = 0; i < range; ++i) {
      ports.push_back(port);
      ++port.host_port;
      ++port.container_port;
    }
  }
  return ports;
}

std::int64_t time_field_ns(const json& object, const char* key) {
  if (!object.contains(key)) return 0;
  const json& value = object[key];
  if (value.is_number()) {
    std::int64_t seconds = value.get<std::int64_t>();
    return seconds > 0 ? seconds * 1'000'000'000 : 0;
  }
  if (value.is_string()) {
    try {
      std::int64_t ns = parse_rfc3339(value.get<std::string>());
      return ns > 0 ? ns : 0;
    } catch (const Error&) {
      return 0;
    }
  }
  return 0;
}

std::vector<std::string> strings_or_empty(const json& object, const char* key) {
  std::vector<std::string> out;
  if (!object.contains(key) || !object[key].is_array()) return out;
  for (const auto& item : object[key]) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string strip_sha256(std::string id) {
  if (id.starts_with("sha256:")) id.erase(0, 7);
  return id;
}

std::string registry_auth_value(const std::optional<std::string>& username,
                                const std::optional<std::string>& password) {
  if (!username || username->empty()) return "";
  json auth = {{"username", *username}, {"password", password.value_or("")}};
  return base64_encode(auth.dump());
}

std::string filters_query(const std::vector<std::string>& filters) {
  if (filters.empty()) return "";
  json object = json::object();
  for (const auto& filter : filters) {
    auto equals = filter.find('=');
    std::string name = filter.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : filter.substr(equals + 1);
    object[name].push_back(value);
  }
  return escape(object.dump());
}

json key_values_object(const std::vector<std::string>& items) {
  json object = json::object();
  for (const auto& item : items) {
    auto equals = item.find('=');
    object[item.substr(0, equals)] = equals == std::string::npos ? "" : item.substr(equals + 1);
  }
  return object;
}

bool JsonLines::feed(std::string_view data) {
  pending_.append(data);
  std::size_t start = 0;
  bool keep_going = true;
  for (auto newline = pending_.find('\n', start); newline != std::string::npos;
       newline = pending_.find('\n', start)) {
    auto line = nlohmann::json::parse(pending_.begin() + static_cast<std::ptrdiff_t>(start),
                                      pending_.begin() + static_cast<std::ptrdiff_t>(newline),
                                      nullptr, false);
    start = newline + 1;
    if (line.is_object() && !on_line_(line)) {
      keep_going = false;
      break;
    }
  }
  pending_.erase(0, start);
  return keep_going;
}

void report_progress_line(const std::string& stream, PullProgress& progress) {
  if (stream.starts_with("Trying to pull ")) {
    std::string reference = stream.substr(15);
    while (!reference.empty() && (reference.back() == '\n' || reference.back() == '.')) {
      reference.pop_back();
    }
    progress.trying(reference);
  } else if (stream.starts_with("Copying blob ")) {
    std::string rest = stream.substr(13);
    bool skipped = rest.find("skipped") != std::string::npos;
    progress.copying_blob(rest.substr(0, rest.find_first_of(" \n")), skipped);
  } else if (stream.starts_with("Copying config ")) {
    std::string rest = stream.substr(15);
    progress.copying_config(rest.substr(0, rest.find_first_of(" \n")));
  } else if (stream.starts_with("Writing manifest")) {
    progress.writing_manifest();
  }
}

std::string seconds_text(std::int64_t ns) {
  return fmt::format("{}.{:09}", ns / 1'000'000'000, ns % 1'000'000'000);
}

std::vector<ImageChange> changes_from_reply(const nlohmann::json& reply) {
  std::vector<ImageChange> changes;
  if (!reply.is_array()) return changes;
  for (const auto& item : reply) {
    ImageChange change;
    std::int64_t kind = int_or_zero(item, "Kind");
    change.kind = 'C';
    if (kind == 1) change.kind = 'A';
    if (kind == 2) change.kind = 'D';
    change.path = string_or_empty(item, "Path");
    changes.push_back(std::move(change));
  }
  return changes;
}

bool write_output(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace berth::engine::remote
