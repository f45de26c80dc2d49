#pragma once

// Named volumes of the local driver: records in the state database and data
// directories under ROOT/volumes/NAME/_data, the layout Podman uses.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "state/database.hpp"

namespace berth::volume {

struct VolumeCreateOptions {
  std::string name;                 // "" gives a random 64-hex name
  std::string driver = "local";
  std::vector<std::string> options;  // -o KEY=VALUE
  std::vector<std::string> labels;   // --label KEY[=VALUE]
  bool anonymous = false;
};

class VolumeStore {
 public:
  // root is the storage root (Paths::root).
  VolumeStore(state::Database& db, std::string root);

  // Returns ROOT/volumes/NAME/_data, the mountpoint a container binds.
  std::string data_dir(const std::string& name) const;

  // Records a volume and makes its data directory (0755, owned by root).
  // Throws Error{kAlreadyExists} when the name is taken, and
  // Error{kInvalidArgument} for an invalid name, driver, option or label;
  // nothing is left behind on failure.
  state::VolumeRecord create(const VolumeCreateOptions& options);

  // Returns the volume, or nullopt.
  std::optional<state::VolumeRecord> find(const std::string& name);

  // Returns the volume or throws Error{kNotFound} naming it.
  state::VolumeRecord require(const std::string& name);

  // Deletes the record and the data. Checking that no container uses it is
  // the caller's part.
  void remove(const std::string& name);

 private:
  state::Database& db_;
  std::string root_;
};

// Parses -o values of the local driver (type, device, o, uid, gid, copy,
// nocopy) into a JSON object. Throws Error{kInvalidArgument} naming an
// unknown key or a value without "=".
nlohmann::json parse_driver_options(const std::vector<std::string>& options);

// Parses --label KEY[=VALUE] values into a JSON object.
nlohmann::json parse_labels(const std::vector<std::string>& labels);

// Copies the content of directory path_in_root inside rootfs into target,
// keeping owners, modes, times of files, symlinks as symlinks, FIFOs and
// devices. Every path is resolved without leaving rootfs: path_in_root
// through openat2 RESOLVE_IN_ROOT and each entry below it with O_NOFOLLOW.
// Returns false when path_in_root is missing or no directory (nothing to
// copy); target's own owner and mode then stay unchanged. Otherwise target
// gets the owner and mode of the source directory. Hard links are copied
// as separate files.
bool copy_up(const std::string& rootfs, const std::string& path_in_root,
             const std::string& target);

// Returns whether directory path has no entries (true when it is missing).
bool directory_empty(const std::string& path);

// Changes the owner of path and everything below it, never following a
// symlink (the U option).
void chown_tree(const std::string& path, std::uint32_t uid, std::uint32_t gid);

}  // namespace berth::volume
