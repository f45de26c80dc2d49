#include <regex>

#include "common/error.hpp"
#include "container/operations.hpp"

namespace berth::container {

void rename(Context& ctx, state::ContainerRecord& record, const std::string& new_name) {
  // The rule Podman applies to every container name.
  static const std::regex kValidName("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  if (!std::regex_match(new_name, kValidName)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid container name \"{}\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", new_name);
  }
  if (new_name == record.name) return;
  ctx.db().rename_container(record.id, new_name);
  record.name = new_name;
}

}  // namespace berth::container
