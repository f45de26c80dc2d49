#pragma once

// Remote client: the connections of `system connection`, kept in Podman 5's
// podman-connections.json, so berth and Podman share one file.

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace berth::engine {

// One named service destination.
struct RemoteConnection {
  std::string uri;       // unix://, tcp:// or ssh:// URL
  std::string identity;  // ssh private key, "" for none
  bool is_machine = false;
};

// The file's connections and default. Keys this file does not model (the
// "Farm" section, for one) are kept as they were read.
class ConnectionsFile {
 public:
  // Returns the file's path: $PODMAN_CONNECTIONS_CONF when set, else
  // podman-connections.json under $XDG_CONFIG_HOME/containers, else under
  // $HOME/.config/containers.
  static std::string default_path();

  // Reads path; a missing file gives an empty set. Throws
  // Error{kInvalidArgument} naming the file when it is not valid JSON of
  // this shape.
  static ConnectionsFile load(const std::string& path);
  static ConnectionsFile parse(const std::string& text, const std::string& path);

  // Writes the file atomically with mode 0600, creating its directory.
  void save(const std::string& path) const;
  std::string serialize() const;

  std::map<std::string, RemoteConnection> connections;  // by name
  std::string default_name;                             // "" for none

 private:
  nlohmann::json document_ = nlohmann::json::object();
};

}  // namespace berth::engine
