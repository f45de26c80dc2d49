#include "container/userns_config.hpp"

namespace berth::container {

void to_json(nlohmann::json& j, const UsernsSettings& u) {
  j = {{"mode", u.mode},
       {"requested", u.requested},
       {"uid_map", runtime::format_id_map(u.uid_map)},
       {"gid_map", runtime::format_id_map(u.gid_map)},
       {"group_add", u.group_add},
       {"keep_groups", u.keep_groups}};
}

void from_json(const nlohmann::json& j, UsernsSettings& u) {
  u.mode = j.value("mode", "");
  u.requested = j.value("requested", "");
  u.uid_map = runtime::parse_id_map_strings(j.value("uid_map", std::vector<std::string>{}));
  u.gid_map = runtime::parse_id_map_strings(j.value("gid_map", std::vector<std::string>{}));
  u.group_add = j.value("group_add", std::vector<std::string>{});
  u.keep_groups = j.value("keep_groups", false);
}

}  // namespace berth::container
