// Pods in the state database: one row per pod. Members find their pod
// through the pod ID in their container config.

#include "common/error.hpp"
#include "state/database.hpp"
#include "state/sqlite.hpp"

namespace berth::state {

namespace {

constexpr const char* kPodColumns = "id, name, created_ns, infra_id, config";

PodRecord read_pod(const Statement& s) {
  PodRecord r;
  r.id = s.text(0);
  r.name = s.text(1);
  r.created_ns = s.integer(2);
  r.infra_id = s.text(3);
  r.config = s.text(4);
  return r;
}

}  // namespace

void Database::insert_pod(const PodRecord& r) {
  write([&] {
    if (pod_by_name(r.name)) {
      fail(ErrorCode::kAlreadyExists,
           "pod name \"{}\" is in use: choose another name, or add --replace", r.name);
    }
    Statement(db_, std::string("INSERT INTO pods (") + kPodColumns + ") VALUES (?,?,?,?,?)")
        .bind(1, r.id)
        .bind(2, r.name)
        .bind(3, r.created_ns)
        .bind(4, r.infra_id)
        .bind(5, r.config)
        .run();
  });
}

void Database::update_pod(const PodRecord& r) {
  write([&] {
    Statement(db_, "UPDATE pods SET name = ?, infra_id = ?, config = ? WHERE id = ?")
        .bind(1, r.name)
        .bind(2, r.infra_id)
        .bind(3, r.config)
        .bind(4, r.id)
        .run();
  });
}

std::optional<PodRecord> Database::get_pod(const std::string& id) {
  Statement s(db_, std::string("SELECT ") + kPodColumns + " FROM pods WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_pod(s);
}

std::optional<PodRecord> Database::pod_by_name(const std::string& name) {
  Statement s(db_, std::string("SELECT ") + kPodColumns + " FROM pods WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_pod(s);
}

std::vector<PodRecord> Database::list_pods() {
  Statement s(db_, std::string("SELECT ") + kPodColumns + " FROM pods ORDER BY created_ns, id");
  std::vector<PodRecord> result;
  while (s.step()) result.push_back(read_pod(s));
  return result;
}

void Database::remove_pod(const std::string& id) {
  write([&] { Statement(db_, "DELETE FROM pods WHERE id = ?").bind(1, id).run(); });
}

}  // namespace berth::state
