#pragma once

// Starting a container in a user namespace: its root file system seen
// through idmapped layers, the namespace and maps in the OCI spec, and the
// supplementary groups of --group-add.

#include <cstdint>
#include <string>
#include <vector>

#include "container/config.hpp"
#include "container/context.hpp"
#include "runtime/spec.hpp"

namespace berth::container {

// Mounts the overlay of lowers (top-most first) with upper UPPER and work
// WORK on target, as storage::mount_overlay does, for a container whose
// config.userns is enabled: every layer is idmapped to the container's
// user namespace, and the upper directory's root is owned by the host IDs
// of the container's root, so the container's root owns "/" as in
// Podman. Throws Error with errno when the kernel or file system lacks
// idmapped mounts.
void mount_userns_rootfs(const ContainerConfig& config, const std::vector<std::string>& lowers,
                         const std::string& container_dir, const std::string& target,
                         bool volatile_upper);

// Lets IDs of the container's user namespace reach its root file system and
// bundle files: adds search permission for others on paths.root and on the
// bundle directory (the files there are 0644, config.json stays 0600).
void open_paths_for_userns(const Paths& paths, const std::string& id);

// Sets the user namespace fields of input and adds the --group-add groups
// to input.additional_gids. Throws Error{kNotFound} for a group that the
// image's /etc/group lacks.
void apply_userns(const ContainerConfig& config, runtime::SpecInput& input);

// Returns the host IDs that uid and gid of the container map to, for
// chowning volumes (":U"); the IDs themselves without a user namespace.
// An unmapped ID gives the overflow ID 65534.
std::pair<std::uint32_t, std::uint32_t> host_ids(const ContainerConfig& config,
                                                 std::uint32_t uid, std::uint32_t gid);

// Reads the UID and GID maps of the user namespace at path (a
// /proc/PID/ns/user file or a bind mount of one), as a process inside it
// reads them. Throws Error with errno when path cannot be joined.
runtime::IdMaps read_namespace_maps(const std::string& path);

}  // namespace berth::container
