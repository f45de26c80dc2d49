#pragma once

// Secrets of the file driver: records in the state database and the data
// in files under ROOT/secrets/filedriver/ID (0600, directory 0700), which
// only root can read. Containers get the data at each start, as a file
// bound into the container or as an environment variable.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "state/database.hpp"

namespace berth::secret {

// The maximum size of a secret's data: Podman rejects 512000 bytes and more.
constexpr std::size_t kMaxDataSize = 512000 - 1;

struct CreateOptions {
  std::string name;
  std::string data;
  std::string driver = "file";
  std::vector<std::string> driver_options;  // KEY=VALUE
  std::vector<std::string> labels;          // KEY[=VALUE]
  // Replace the data, labels and options of an existing secret of that
  // name, keeping its ID and creation time.
  bool replace = false;
};

class SecretStore {
 public:
  // root is the storage root (Paths::root).
  SecretStore(state::Database& db, std::string root);

  // ROOT/secrets/filedriver, where the file driver keeps the data.
  std::string data_dir() const;

  // Stores a new secret (or replaces one, see CreateOptions::replace).
  // Throws Error{kInvalidArgument} for an invalid name, driver, option,
  // label or size, and Error{kAlreadyExists} for a name in use. A failed
  // create leaves nothing behind.
  state::SecretRecord create(const CreateOptions& options);

  // Finds a secret by full ID, name, or a unique prefix of its ID.
  std::optional<state::SecretRecord> find(const std::string& name_or_id);

  // Like find, but throws Error{kNotFound} naming the secret.
  state::SecretRecord require(const std::string& name_or_id);

  // Returns the secret's data. Throws Error{kNotFound} when its file is
  // missing.
  std::string data(const state::SecretRecord& secret) const;

  // Deletes the record, then the data.
  void remove(const state::SecretRecord& secret);

 private:
  state::Database& db_;
  std::string root_;
};

// Throws Error{kInvalidArgument} unless name has 1 to 64 characters of
// [a-zA-Z0-9_.-], starts with a letter or digit and ends with one or '_'
// (what Podman 4.3 accepts).
void validate_name(const std::string& name);

}  // namespace berth::secret
