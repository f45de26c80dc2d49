// rename: a container's new name, checked against the others in the same
// transaction.

#include "common/error.hpp"
#include "state/database.hpp"
#include "state/sqlite.hpp"

namespace berth::state {

void Database::rename_container(const std::string& id, const std::string& new_name) {
  write([&] {
    if (auto existing = container_by_name(new_name); existing && existing->id != id) {
      fail(ErrorCode::kAlreadyExists,
           "the container name \"{}\" is already in use by {}: remove that container or choose "
           "another name",
           new_name, existing->id);
    }
    Statement(db_, "UPDATE containers SET name = ? WHERE id = ?").bind(1, new_name).bind(2, id).run();
  });
}

}  // namespace berth::state
