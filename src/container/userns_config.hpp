#pragma once

// A container's user namespace and supplementary groups, as --userns,
// --uidmap, --gidmap, --subuidname, --subgidname and --group-add set them.
// Resolved to concrete maps at create, stored inside ContainerConfig, and
// applied at every start (userns_start.cpp).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/id_mapping.hpp"

namespace berth::container {

struct UsernsSettings {
  // "" for the host's user namespace, "private" for a new one with
  // uid_map and gid_map, or "ns:PATH" to join an existing one.
  std::string mode;
  // The --userns value as given ("auto:size=500"), for inspect and ps.
  std::string requested;
  std::vector<runtime::IdMapping> uid_map;
  std::vector<runtime::IdMapping> gid_map;
  // --group-add values: group names of the image's /etc/group or GIDs,
  // resolved at start.
  std::vector<std::string> group_add;
  // --group-add keep-groups: the runtime keeps the caller's groups
  // (crun's run.oci.keep_original_groups annotation).
  bool keep_groups = false;

  // Whether the container runs in a user namespace other than the host's.
  bool enabled() const { return !mode.empty(); }
};

void to_json(nlohmann::json& j, const UsernsSettings& u);
void from_json(const nlohmann::json& j, UsernsSettings& u);

}  // namespace berth::container
