#include "common/json_text.hpp"
#include "state/database.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>

#include "common/error.hpp"
#include "state/sqlite.hpp"

namespace berth::state {

namespace {

// Bump when kSchema or kMigrations change; databases with a lower
// user_version get them.
constexpr int kSchemaVersion = 6;

// Changes to tables that kSchema created in an earlier version, applied to
// a database whose user_version is below `version`. kSchema's CREATE TABLE
// statements always give a table its first version's columns.
struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {
    // Restart policies: restarts done, and whether `stop` ended the container.
    {3,
     "ALTER TABLE containers ADD COLUMN restart_count INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE containers ADD COLUMN stopped_by_user INTEGER NOT NULL DEFAULT 0;"},
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS pods (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ns INTEGER NOT NULL,
  infra_id TEXT NOT NULL,
  config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY,
  digest TEXT NOT NULL,
  repo_digests TEXT NOT NULL,
  manifest TEXT NOT NULL,
  manifest_type TEXT NOT NULL,
  config TEXT NOT NULL,
  layers TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS image_names (
  name TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS image_names_by_image ON image_names(image_id);
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  image_id TEXT NOT NULL,
  image_name TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  config TEXT NOT NULL,
  status TEXT NOT NULL,
  pid INTEGER NOT NULL,
  exit_code INTEGER NOT NULL,
  started_ns INTEGER NOT NULL,
  finished_ns INTEGER NOT NULL,
  network TEXT NOT NULL
);
-- Volumes (schema version 2).
CREATE TABLE IF NOT EXISTS volumes (
  name TEXT PRIMARY KEY,
  driver TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  labels TEXT NOT NULL,
  options TEXT NOT NULL,
  anonymous INTEGER NOT NULL,
  needs_copy_up INTEGER NOT NULL,
  needs_chown INTEGER NOT NULL
);
-- Secrets (schema version 4). The data lives in files of the file driver.
CREATE TABLE IF NOT EXISTS secrets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  driver TEXT NOT NULL,
  driver_options TEXT NOT NULL,
  labels TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL
);
-- Events (schema version 5): the log that `events` reads, oldest first.
-- exit_code is NULL except for died and exec_died; attributes is a JSON
-- object of string values.
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  object_id TEXT NOT NULL,
  name TEXT NOT NULL,
  image TEXT NOT NULL,
  pod_id TEXT NOT NULL,
  exit_code INTEGER,
  attributes TEXT NOT NULL
);
)sql";

std::string to_json_array(const std::vector<std::string>& values) {
  return json_text(nlohmann::json(values));
}

std::vector<std::string> from_json_array(const std::string& text) {
  return nlohmann::json::parse(text).get<std::vector<std::string>>();
}

constexpr const char* kContainerColumns =
    "id, name, image_id, image_name, created_ns, config, status, pid, exit_code, started_ns, "
    "finished_ns, network, restart_count, stopped_by_user";

ContainerRecord read_container(const Statement& s) {
  ContainerRecord c;
  c.id = s.text(0);
  c.name = s.text(1);
  c.image_id = s.text(2);
  c.image_name = s.text(3);
  c.created_ns = s.integer(4);
  c.config = s.text(5);
  c.status = s.text(6);
  c.pid = s.integer(7);
  c.exit_code = s.integer(8);
  c.started_ns = s.integer(9);
  c.finished_ns = s.integer(10);
  c.network = s.text(11);
  c.restart_count = s.integer(12);
  c.stopped_by_user = s.integer(13) != 0;
  return c;
}

// Volumes.
constexpr const char* kVolumeColumns =
    "name, driver, created_ns, labels, options, anonymous, needs_copy_up, needs_chown";

VolumeRecord read_volume(const Statement& s) {
  VolumeRecord v;
  v.name = s.text(0);
  v.driver = s.text(1);
  v.created_ns = s.integer(2);
  v.labels = s.text(3);
  v.options = s.text(4);
  v.anonymous = s.integer(5) != 0;
  v.needs_copy_up = s.integer(6) != 0;
  v.needs_chown = s.integer(7) != 0;
  return v;
}

}  // namespace

Database::Database(const std::string& path) {
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    fail(ErrorCode::kInternal, "opening state database \"{}\": {}", path, message);
  }
  // SQLite's own busy handler sleeps up to 100 ms at a time; berth's
  // transactions take well under a millisecond, so poll more often.
  sqlite3_busy_handler(db_, &Database::on_busy, nullptr);
  // Every berth command is a short process, usually the only one with the
  // database open. By default SQLite checkpoints and deletes the WAL when
  // the last connection closes, and the next process recreates it with two
  // fsyncs; keeping the WAL avoids both.
  int persist = 1;
  sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // WAL lets readers run while one process writes; NORMAL sync is durable
  // across process crashes, which is the failure berth must survive.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  // Each new process finds no other connection and rebuilds the WAL index
  // by reading every frame written since the last checkpoint. At SQLite's
  // default of 1000 pages that is 4 MB read on every berth command (about
  // 10 ms, measured here). Checkpointing every 64 pages keeps it near
  // 256 kB, and the size limit truncates the file after a checkpoint.
  exec("PRAGMA wal_autocheckpoint=64");
  exec("PRAGMA journal_size_limit=1048576");
  // Creating the schema takes the write lock. Once it exists (user_version
  // is set), opening the database must not take it, or every berth process
  // would briefly block the others.
  if (int version = schema_version(); version < kSchemaVersion) {
    write([&] {
      // Another process may have upgraded it meanwhile.
      int current = schema_version();
      if (current >= kSchemaVersion) return;
      exec(kSchema);
      for (const auto& migration : kMigrations) {
        if (current < migration.version) exec(migration.sql);
      }
      exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    });
  }
}

int Database::schema_version() {
  Statement s(db_, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

Database::~Database() { sqlite3_close(db_); }

int Database::on_busy(void*, int attempts) {
  // 0.2 ms, growing to 5 ms, for up to about 60 s in all.
  constexpr int kMaxAttempts = 12'000;
  if (attempts >= kMaxAttempts) return 0;
  ::usleep(static_cast<useconds_t>(std::min(200 + attempts * 100, 5'000)));
  return 1;
}

void Database::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    fail(rc == SQLITE_BUSY ? ErrorCode::kUnavailable : ErrorCode::kInternal,
         "state database: {}", text);
  }
}

void Database::write(const std::function<void()>& body) {
  if (depth_ > 0) {
    body();
    return;
  }
  exec("BEGIN IMMEDIATE");
  ++depth_;
  try {
    body();
    --depth_;
    exec("COMMIT");
  } catch (...) {
    --depth_;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Database::put_image(const ImageRecord& image) {
  write([&] {
    Statement(db_,
              "INSERT OR REPLACE INTO images (id, digest, repo_digests, manifest, manifest_type, "
              "config, layers, created_ns, size) VALUES (?,?,?,?,?,?,?,?,?)")
        .bind(1, image.id)
        .bind(2, image.digest)
        .bind(3, to_json_array(image.repo_digests))
        .bind(4, image.manifest)
        .bind(5, image.manifest_type)
        .bind(6, image.config)
        .bind(7, to_json_array(image.layers))
        .bind(8, image.created_ns)
        .bind(9, image.size)
        .run();
    Statement(db_, "DELETE FROM image_names WHERE image_id = ?").bind(1, image.id).run();
    std::int64_t position = 0;
    for (const auto& name : image.names) {
      Statement(db_, "INSERT OR REPLACE INTO image_names (name, image_id, position) VALUES (?,?,?)")
          .bind(1, name)
          .bind(2, image.id)
          .bind(3, position++)
          .run();
    }
  });
}

std::optional<ImageRecord> Database::get_image(const std::string& id) {
  Statement s(db_,
              "SELECT id, digest, repo_digests, manifest, manifest_type, config, layers, "
              "created_ns, size FROM images WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  ImageRecord image;
  image.id = s.text(0);
  image.digest = s.text(1);
  image.repo_digests = from_json_array(s.text(2));
  image.manifest = s.text(3);
  image.manifest_type = s.text(4);
  image.config = s.text(5);
  image.layers = from_json_array(s.text(6));
  image.created_ns = s.integer(7);
  image.size = s.integer(8);
  Statement names(db_, "SELECT name FROM image_names WHERE image_id = ? ORDER BY position");
  names.bind(1, id);
  while (names.step()) image.names.push_back(names.text(0));
  return image;
}

std::vector<ImageRecord> Database::list_images() {
  std::vector<std::string> ids;
  {
    Statement s(db_, "SELECT id FROM images ORDER BY created_ns DESC, id");
    while (s.step()) ids.push_back(s.text(0));
  }
  std::vector<ImageRecord> images;
  for (const auto& id : ids) {
    if (auto image = get_image(id)) images.push_back(std::move(*image));
  }
  return images;
}

void Database::remove_image(const std::string& id) {
  write([&] {
    Statement(db_, "DELETE FROM image_names WHERE image_id = ?").bind(1, id).run();
    Statement(db_, "DELETE FROM images WHERE id = ?").bind(1, id).run();
  });
}

std::optional<std::string> Database::image_by_name(const std::string& name) {
  Statement s(db_, "SELECT image_id FROM image_names WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void Database::insert_container(const ContainerRecord& c) {
  write([&] {
    if (auto existing = container_by_name(c.name)) {
      fail(ErrorCode::kAlreadyExists,
           "the container name \"{}\" is already in use by {}: remove that container or choose "
           "another name",
           c.name, existing->id);
    }
    Statement(db_, std::string("INSERT INTO containers (") + kContainerColumns +
                       ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, c.id)
        .bind(2, c.name)
        .bind(3, c.image_id)
        .bind(4, c.image_name)
        .bind(5, c.created_ns)
        .bind(6, c.config)
        .bind(7, c.status)
        .bind(8, c.pid)
        .bind(9, c.exit_code)
        .bind(10, c.started_ns)
        .bind(11, c.finished_ns)
        .bind(12, c.network)
        .bind(13, c.restart_count)
        .bind(14, std::int64_t{c.stopped_by_user})
        .run();
  });
}

void Database::update_container(const ContainerRecord& c) {
  write([&] {
    Statement(db_,
              "UPDATE containers SET config = ?, status = ?, pid = ?, exit_code = ?, "
              "started_ns = ?, finished_ns = ?, network = ?, restart_count = ?, "
              "stopped_by_user = ? WHERE id = ?")
        .bind(1, c.config)
        .bind(2, c.status)
        .bind(3, c.pid)
        .bind(4, c.exit_code)
        .bind(5, c.started_ns)
        .bind(6, c.finished_ns)
        .bind(7, c.network)
        .bind(8, c.restart_count)
        .bind(9, std::int64_t{c.stopped_by_user})
        .bind(10, c.id)
        .run();
  });
}

void Database::set_stopped_by_user(const std::string& id, bool stopped) {
  write([&] {
    Statement(db_, "UPDATE containers SET stopped_by_user = ? WHERE id = ?")
        .bind(1, std::int64_t{stopped})
        .bind(2, id)
        .run();
  });
}

std::optional<ContainerRecord> Database::get_container(const std::string& id) {
  Statement s(db_, std::string("SELECT ") + kContainerColumns + " FROM containers WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_container(s);
}

std::optional<ContainerRecord> Database::container_by_name(const std::string& name) {
  Statement s(db_, std::string("SELECT ") + kContainerColumns + " FROM containers WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_container(s);
}

std::vector<ContainerRecord> Database::list_containers() {
  Statement s(db_, std::string("SELECT ") + kContainerColumns +
                       " FROM containers ORDER BY created_ns DESC");
  std::vector<ContainerRecord> result;
  while (s.step()) result.push_back(read_container(s));
  return result;
}

void Database::remove_container(const std::string& id) {
  write([&] { Statement(db_, "DELETE FROM containers WHERE id = ?").bind(1, id).run(); });
}

// Volumes.

void Database::insert_volume(const VolumeRecord& v) {
  write([&] {
    if (get_volume(v.name)) {
      fail(ErrorCode::kAlreadyExists,
           "volume \"{}\" already exists: choose another name or add --ignore", v.name);
    }
    Statement(db_, std::string("INSERT INTO volumes (") + kVolumeColumns +
                       ") VALUES (?,?,?,?,?,?,?,?)")
        .bind(1, v.name)
        .bind(2, v.driver)
        .bind(3, v.created_ns)
        .bind(4, v.labels)
        .bind(5, v.options)
        .bind(6, std::int64_t{v.anonymous})
        .bind(7, std::int64_t{v.needs_copy_up})
        .bind(8, std::int64_t{v.needs_chown})
        .run();
  });
}

void Database::update_volume(const VolumeRecord& v) {
  write([&] {
    Statement(db_,
              "UPDATE volumes SET labels = ?, options = ?, needs_copy_up = ?, needs_chown = ? "
              "WHERE name = ?")
        .bind(1, v.labels)
        .bind(2, v.options)
        .bind(3, std::int64_t{v.needs_copy_up})
        .bind(4, std::int64_t{v.needs_chown})
        .bind(5, v.name)
        .run();
  });
}

std::optional<VolumeRecord> Database::get_volume(const std::string& name) {
  Statement s(db_, std::string("SELECT ") + kVolumeColumns + " FROM volumes WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_volume(s);
}

std::vector<VolumeRecord> Database::list_volumes() {
  Statement s(db_, std::string("SELECT ") + kVolumeColumns + " FROM volumes ORDER BY name");
  std::vector<VolumeRecord> result;
  while (s.step()) result.push_back(read_volume(s));
  return result;
}

void Database::remove_volume(const std::string& name) {
  write([&] { Statement(db_, "DELETE FROM volumes WHERE name = ?").bind(1, name).run(); });
}

}  // namespace berth::state
