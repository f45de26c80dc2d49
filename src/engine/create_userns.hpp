#pragma once

// Resolving the user namespace and group flags of `run` and `create`
// (UsernsFlags) into a container's UsernsSettings, with Podman's modes,
// forms and errors, and their inspect fields. Every error is
// Error{kInvalidArgument} (or kConflict when --userns=auto finds too few
// free IDs, kNotFound for an unknown --userns=container:NAME) naming the
// value, so the CLI exits 125 and nothing is stored.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "container/config.hpp"
#include "container/context.hpp"
#include "engine/userns_flags.hpp"
#include "runtime/id_mapping.hpp"

namespace berth::engine {

// The subordinate ID files that --subuidname, --subgidname and
// --userns=auto read.
struct SubidFiles {
  std::string subuid = "/etc/subuid";
  std::string subgid = "/etc/subgid";
};

// Resolves flags into config.userns (and the keep-groups annotation).
// --userns=auto sizes the namespace from the IDs in image's /etc/passwd and
// /etc/group, and takes host IDs that no other container in ctx's database
// holds.
void apply_userns_flags(container::Context& ctx, const UsernsFlags& flags,
                        const state::ImageRecord& image, container::ContainerConfig& config,
                        const SubidFiles& files = {});

// Returns the maps that --uidmap/--gidmap or --subuidname/--subgidname
// give (the subordinate IDs read from files), or nullopt when flags has
// none of them. Throws Error{kInvalidArgument} for a malformed map, a name
// without ranges, or these flags together with --userns or with each
// other. A create and the remote client (which sends the maps, as
// Podman's does) resolve them here alike.
std::optional<runtime::IdMaps> explicit_id_maps(const UsernsFlags& flags,
                                               const SubidFiles& files = {});

// Returns the size --userns=auto gives a namespace for an image whose
// /etc/passwd and /etc/group are passwd and group: one more than the
// largest ID below 65534 (the overflow ID "nobody" is left out, as Podman
// does), and at least 1024.
std::uint32_t estimate_auto_size(const std::string& passwd, const std::string& group);

// Returns the "HostConfig" keys UsernsMode, IDMappings (only with a user
// namespace) and GroupAdd for container inspect.
nlohmann::json userns_inspect_json(const container::ContainerConfig& config);

}  // namespace berth::engine
