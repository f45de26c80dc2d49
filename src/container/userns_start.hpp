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
// Podman. The layers are idmapped with the user namespace at userns_path,
// or, when that is empty, with a new one that has the container's maps.
// Throws Error with errno when the kernel or file system lacks idmapped
// mounts.
void mount_userns_rootfs(const ContainerConfig& config, const std::vector<std::string>& lowers,
                         const std::string& container_dir, const std::string& target,
                         bool volatile_upper, const std::string& userns_path = "");

// Returns the path of the user namespace that a start of the container
// joins, or "" when config.userns is not enabled. A container with its own
// maps gets a new namespace, bind-mounted in its run directory until
// release_user_namespace, so that the runtime, the idmapped root file
// system and the network namespace all use the same one. --userns=ns:PATH
// gives PATH, and --userns=container:ID the namespace of that container's
// process while it runs (a new one with the same maps while it does not,
// as Podman 4.3 does). Throws Error with errno on a failed system call.
std::string prepare_user_namespace(Context& ctx, const std::string& id,
                                   const ContainerConfig& config);

// Unmounts and deletes the user namespace file of prepare_user_namespace
// and the mounts of idmapped_volume_source. Idempotent: a container
// without them is left as it is.
void release_user_namespace(const Paths& paths, const std::string& id);

// Returns the source path for the container's volume number index, a bind
// mount with the idmap option. That path is an idmapped mount of source
// with the container's maps, in the bundle directory, so host ID 0 appears
// as the container's ID 0. Without a user namespace the IDs map to
// themselves, so source itself is returned. Throws Error with errno when
// the kernel or the file system of source lacks idmapped mounts.
std::string idmapped_volume_source(const Paths& paths, const std::string& id,
                                   const ContainerConfig& config, const std::string& source,
                                   std::size_t index);

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
