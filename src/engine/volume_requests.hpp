#pragma once

// Volumes: the requests and reports of the volume commands, and the mount
// flags of run and create.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::engine {

// The mount flags of `run` and `create`, besides -v (CreateRequest::volumes).
struct MountFlags {
  std::vector<std::string> mounts;        // --mount values
  std::vector<std::string> tmpfs;         // --tmpfs values
  std::vector<std::string> volumes_from;  // --volumes-from CONTAINER[:ro|rw]
  bool read_only = false;                 // --read-only
  bool read_only_tmpfs = true;            // --read-only-tmpfs
  // The directory relative bind sources resolve against; "" for the
  // process's working directory.
  std::string cwd;
};

struct VolumeCreateRequest {
  std::string name;  // "" gives a random 64-hex name
  std::string driver = "local";
  std::vector<std::string> options;  // -o KEY=VALUE
  std::vector<std::string> labels;   // --label KEY[=VALUE]
  bool ignore = false;  // return the existing volume instead of failing
};

// A volume as `volume inspect` and `volume ls` show it.
struct VolumeReport {
  std::string name;
  std::string driver;
  std::string mountpoint;
  std::int64_t created_ns = 0;
  nlohmann::json labels = nlohmann::json::object();
  nlohmann::json options = nlohmann::json::object();
  std::string scope = "local";
  std::int64_t mount_count = 0;
  bool needs_copy_up = false;
  bool needs_chown = false;
  bool anonymous = false;
  std::vector<std::string> containers;  // IDs of the containers that use it
};

}  // namespace berth::engine
