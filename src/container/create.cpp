#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "common/time.hpp"
#include "container/operations.hpp"
#include "events/events.hpp"
#include "os/file.hpp"

namespace berth::container {

state::ContainerRecord create(Context& ctx, const std::string& name, const std::string& image_id,
                              const std::string& image_name, const ContainerConfig& config) {
  if (!name.empty() && !is_valid_name(name)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid container name \"{}\": use letters, digits, '_', '.' and '-', starting with a "
         "letter or digit",
         name);
  }
  state::ContainerRecord record;
  record.id = random_id();
  record.name = name.empty() ? random_name() : name;
  record.image_id = image_id;
  record.image_name = image_name;
  record.created_ns = now_ns();
  record.config = json_text(nlohmann::json(config));
  record.status = "created";

  // A generated name can collide; try a few others before giving up.
  for (int attempt = 0;; ++attempt) {
    try {
      ctx.db().insert_container(record);
      break;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kAlreadyExists || !name.empty() || attempt >= 5) throw;
      record.name = random_name() + std::to_string(attempt);
    }
  }
  try {
    const auto& paths = ctx.paths();
    os::make_dirs(paths.bundle_dir(record.id), 0700);
    os::make_dirs(paths.container_dir(record.id) + "/diff", 0755);
    os::make_dirs(paths.container_dir(record.id) + "/work", 0700);
    os::make_dirs(paths.rootfs(record.id), 0755);
  } catch (...) {
    ctx.db().remove_container(record.id);
    os::remove_all(ctx.paths().container_dir(record.id));
    throw;
  }
  events::write_container(ctx.db(), record, "create");
  return record;
}

}  // namespace berth::container
