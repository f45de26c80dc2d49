// Secrets in the state database: one row per secret, without its data.

#include "common/error.hpp"
#include "state/database.hpp"
#include "state/sqlite.hpp"

namespace berth::state {

namespace {

constexpr const char* kSecretColumns =
    "id, name, driver, driver_options, labels, created_ns, updated_ns";

SecretRecord read_secret(const Statement& s) {
  SecretRecord r;
  r.id = s.text(0);
  r.name = s.text(1);
  r.driver = s.text(2);
  r.driver_options = s.text(3);
  r.labels = s.text(4);
  r.created_ns = s.integer(5);
  r.updated_ns = s.integer(6);
  return r;
}

}  // namespace

void Database::insert_secret(const SecretRecord& r) {
  write([&] {
    if (secret_by_name(r.name)) {
      fail(ErrorCode::kAlreadyExists,
           "secret name \"{}\" is in use: choose another name, or add --replace", r.name);
    }
    Statement(db_, std::string("INSERT INTO secrets (") + kSecretColumns +
                       ") VALUES (?,?,?,?,?,?,?)")
        .bind(1, r.id)
        .bind(2, r.name)
        .bind(3, r.driver)
        .bind(4, r.driver_options)
        .bind(5, r.labels)
        .bind(6, r.created_ns)
        .bind(7, r.updated_ns)
        .run();
  });
}

void Database::update_secret(const SecretRecord& r) {
  write([&] {
    Statement(db_,
              "UPDATE secrets SET driver = ?, driver_options = ?, labels = ?, updated_ns = ? "
              "WHERE id = ?")
        .bind(1, r.driver)
        .bind(2, r.driver_options)
        .bind(3, r.labels)
        .bind(4, r.updated_ns)
        .bind(5, r.id)
        .run();
  });
}

std::optional<SecretRecord> Database::get_secret(const std::string& id) {
  Statement s(db_, std::string("SELECT ") + kSecretColumns + " FROM secrets WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_secret(s);
}

std::optional<SecretRecord> Database::secret_by_name(const std::string& name) {
  Statement s(db_, std::string("SELECT ") + kSecretColumns + " FROM secrets WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_secret(s);
}

std::vector<SecretRecord> Database::list_secrets() {
  Statement s(db_, std::string("SELECT ") + kSecretColumns + " FROM secrets ORDER BY name");
  std::vector<SecretRecord> result;
  while (s.step()) result.push_back(read_secret(s));
  return result;
}

void Database::remove_secret(const std::string& id) {
  write([&] { Statement(db_, "DELETE FROM secrets WHERE id = ?").bind(1, id).run(); });
}

}  // namespace berth::state
