#include "engine/remote_connections.hpp"

#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::engine {

namespace {

using nlohmann::json;

// Returns the string at object[key], "" when absent. Throws for another type.
std::string string_member(const json& object, const char* key, const std::string& path) {
  if (!object.contains(key) || object[key].is_null()) return "";
  if (!object[key].is_string()) {
    fail(ErrorCode::kInvalidArgument, "invalid connections file \"{}\": \"{}\" is not a string",
         path, key);
  }
  return object[key].get<std::string>();
}

}  // namespace

std::string ConnectionsFile::default_path() {
  if (const char* path = std::getenv("PODMAN_CONNECTIONS_CONF"); path && *path) return path;
  std::string base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home && *home ? home : "/root") + "/.config";
  }
  return base + "/containers/podman-connections.json";
}

ConnectionsFile ConnectionsFile::load(const std::string& path) {
  auto text = os::read_file_if_exists(path);
  if (!text) return {};
  return parse(*text, path);
}

ConnectionsFile ConnectionsFile::parse(const std::string& text, const std::string& path) {
  ConnectionsFile file;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return file;
  json document = json::parse(text, nullptr, false);
  if (!document.is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "invalid connections file \"{}\": not a JSON object: fix or remove it", path);
  }
  if (document.contains("Connection") && !document["Connection"].is_null()) {
    const json& section = document["Connection"];
    if (!section.is_object()) {
      fail(ErrorCode::kInvalidArgument, "invalid connections file \"{}\": \"Connection\" is not "
           "an object", path);
    }
    file.default_name = string_member(section, "Default", path);
    if (section.contains("Connections") && section["Connections"].is_object()) {
      for (const auto& [name, entry] : section["Connections"].items()) {
        if (!entry.is_object()) {
          fail(ErrorCode::kInvalidArgument, "invalid connections file \"{}\": connection \"{}\" "
               "is not an object", path, name);
        }
        RemoteConnection connection;
        connection.uri = string_member(entry, "URI", path);
        connection.identity = string_member(entry, "Identity", path);
        connection.is_machine = entry.value("IsMachine", false);
        file.connections[name] = connection;
      }
    }
  }
  file.document_ = std::move(document);
  return file;
}

std::string ConnectionsFile::serialize() const {
  json document = document_;
  json section = document.contains("Connection") && document["Connection"].is_object()
                     ? document["Connection"]
                     : json::object();
  section.erase("Default");
  section.erase("Connections");
  if (!default_name.empty()) section["Default"] = default_name;
  if (!connections.empty()) {
    json entries = json::object();
    for (const auto& [name, connection] : connections) {
      json entry = {{"URI", connection.uri}, {"Identity", connection.identity}};
      if (connection.is_machine) entry["IsMachine"] = true;
      entries[name] = entry;
    }
    section["Connections"] = entries;
  }
  document["Connection"] = section;
  if (!document.contains("Farm")) document["Farm"] = json::object();
  return document.dump() + "\n";
}

void ConnectionsFile::save(const std::string& path) const {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) os::make_dirs(parent.string(), 0700);
  os::write_file_atomic(path, serialize(), 0600);
}

}  // namespace berth::engine
