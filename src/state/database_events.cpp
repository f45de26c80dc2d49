#include "state/database.hpp"

#include "state/sqlite.hpp"

namespace berth::state {

namespace {

constexpr const char* kEventColumns =
    "id, time_ns, type, status, object_id, name, image, pod_id, exit_code, attributes";

EventRecord read_event(const Statement& s) {
  EventRecord e;
  e.id = s.integer(0);
  e.time_ns = s.integer(1);
  e.type = s.text(2);
  e.status = s.text(3);
  e.object_id = s.text(4);
  e.name = s.text(5);
  e.image = s.text(6);
  e.pod_id = s.text(7);
  if (!s.is_null(8)) e.exit_code = static_cast<int>(s.integer(8));
  e.attributes = s.text(9);
  return e;
}

}  // namespace

std::int64_t Database::insert_event(const EventRecord& event, std::int64_t keep) {
  std::int64_t id = 0;
  write([&] {
    Statement insert(db_,
                     "INSERT INTO events (time_ns, type, status, object_id, name, image, pod_id, "
                     "exit_code, attributes) VALUES (?,?,?,?,?,?,?,?,?)");
    insert.bind(1, event.time_ns)
        .bind(2, event.type)
        .bind(3, event.status)
        .bind(4, event.object_id)
        .bind(5, event.name)
        .bind(6, event.image)
        .bind(7, event.pod_id);
    if (event.exit_code) {
      insert.bind(8, static_cast<std::int64_t>(*event.exit_code));
    } else {
      insert.bind_null(8);
    }
    insert.bind(9, event.attributes).run();
    id = sqlite3_last_insert_rowid(db_);
    // Row IDs only grow (the newest row has the largest), so one range on
    // the primary key drops the oldest entries: usually one row or none.
    Statement(db_, "DELETE FROM events WHERE id <= ?").bind(1, id - keep).run();
  });
  return id;
}

std::vector<EventRecord> Database::list_events(std::int64_t after_id) {
  Statement s(db_, std::string("SELECT ") + kEventColumns + " FROM events WHERE id > ? ORDER BY id");
  s.bind(1, after_id);
  std::vector<EventRecord> events;
  while (s.step()) events.push_back(read_event(s));
  return events;
}

std::int64_t Database::last_event_id() {
  Statement s(db_, "SELECT COALESCE(MAX(id), 0) FROM events");
  return s.step() ? s.integer(0) : 0;
}

}  // namespace berth::state
