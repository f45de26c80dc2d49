#include "common/json_text.hpp"
#include "secret/secret_store.hpp"

#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/time.hpp"
#include "os/file.hpp"
#include "volume/volume_store.hpp"

namespace berth::secret {

namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kIdLength = 25;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

nlohmann::json parse_driver_options(const std::vector<std::string>& options,
                                    const std::string& data_dir) {
  nlohmann::json result = nlohmann::json::object();
  for (const auto& option : options) {
    auto equals = option.find('=');
    if (equals == std::string::npos || equals == 0) {
      fail(ErrorCode::kInvalidArgument, "invalid driver option \"{}\": expected KEY=VALUE",
           option);
    }
    result[option.substr(0, equals)] = option.substr(equals + 1);
  }
  // The file driver keeps its data in one place whatever the path option
  // contains. The option then shows that place, as in Podman.
  result["path"] = data_dir;
  return result;
}

}  // namespace

void validate_name(const std::string& name) {
  bool valid = !name.empty() && name.size() <= kMaxNameLength && is_alnum(name.front()) &&
               (is_alnum(name.back()) || name.back() == '_');
  for (char c : name) valid = valid && (is_alnum(c) || c == '_' || c == '.' || c == '-');
  if (!valid) {
    fail(ErrorCode::kInvalidArgument,
         "invalid secret name \"{}\": use up to {} letters, digits, '_', '.' and '-', starting "
         "with a letter or digit and ending with a letter, digit or '_'",
         name, kMaxNameLength);
  }
}

SecretStore::SecretStore(state::Database& db, std::string root)
    : db_(db), root_(std::move(root)) {}

std::string SecretStore::data_dir() const { return root_ + "/secrets/filedriver"; }

state::SecretRecord SecretStore::create(const CreateOptions& options) {
  validate_name(options.name);
  if (options.driver != "file") {
    fail(ErrorCode::kInvalidArgument,
         "secret driver \"{}\" is not supported: berth has only the file driver", options.driver);
  }
  if (options.data.empty() || options.data.size() > kMaxDataSize) {
    fail(ErrorCode::kInvalidArgument,
         "secret \"{}\" has {} bytes of data: a secret holds 1 to {} bytes", options.name,
         options.data.size(), kMaxDataSize);
  }
  state::SecretRecord record;
  record.name = options.name;
  record.driver = options.driver;
  record.driver_options = parse_driver_options(options.driver_options, data_dir()).dump();
  record.labels = json_text(volume::parse_labels(options.labels));
  record.created_ns = now_ns();
  record.updated_ns = record.created_ns;
  // Root only: the directories 0700 and the files 0600.
  os::make_dirs(root_ + "/secrets", 0700);
  os::make_dirs(data_dir(), 0700);
  if (options.replace) {
    if (auto existing = db_.secret_by_name(options.name)) {
      record.id = existing->id;
      record.created_ns = existing->created_ns;
      os::write_file_atomic(data_dir() + "/" + record.id, options.data, 0600);
      db_.update_secret(record);
      return record;
    }
  }
  record.id = random_id().substr(0, kIdLength);
  // The data is written before the record, so a secret never lacks its
  // data; a failed insert removes the file again.
  std::string path = data_dir() + "/" + record.id;
  os::write_file_atomic(path, options.data, 0600);
  try {
    db_.insert_secret(record);
  } catch (...) {
    ::unlink(path.c_str());
    throw;
  }
  return record;
}

std::optional<state::SecretRecord> SecretStore::find(const std::string& name_or_id) {
  if (name_or_id.empty()) return std::nullopt;
  if (auto by_id = db_.get_secret(name_or_id)) return by_id;
  if (auto by_name = db_.secret_by_name(name_or_id)) return by_name;
  std::optional<state::SecretRecord> match;
  for (auto& secret : db_.list_secrets()) {
    if (!secret.id.starts_with(name_or_id)) continue;
    if (match) {
      fail(ErrorCode::kInvalidArgument,
           "more than one secret has an ID starting with \"{}\": give more of the ID",
           name_or_id);
    }
    match = std::move(secret);
  }
  return match;
}

state::SecretRecord SecretStore::require(const std::string& name_or_id) {
  auto secret = find(name_or_id);
  if (!secret) {
    fail(ErrorCode::kNotFound, "no secret with name or id \"{}\": no such secret", name_or_id);
  }
  return *secret;
}

std::string SecretStore::data(const state::SecretRecord& secret) const {
  auto data = os::read_file_if_exists(data_dir() + "/" + secret.id);
  if (!data) {
    fail(ErrorCode::kNotFound,
         "the data of secret \"{}\" is missing from {}: remove the secret and create it again",
         secret.name, data_dir());
  }
  return *data;
}

void SecretStore::remove(const state::SecretRecord& secret) {
  db_.remove_secret(secret.id);
  std::string path = data_dir() + "/" + secret.id;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    fail_errno(errno, "removing the data of secret \"" + secret.name + "\"");
  }
}

}  // namespace berth::secret
