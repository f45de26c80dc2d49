#pragma once

// Idmapped mounts (mount_setattr(2) with MOUNT_ATTR_IDMAP, Linux 5.12+):
// the way a container in a user namespace sees image layers owned by host
// root as owned by its own root, without copying or chowning the layers.

#include <string>
#include <vector>

#include "os/fd.hpp"

namespace berth::storage {

// Creates a user namespace with the given maps and returns an fd of it
// (/proc/PID/ns/user). No process stays in it: a child joins it, the maps are
// written, the fd is opened and the child exits. uid_map and gid_map are in
// the format of /proc/PID/uid_map ("0 100000 65536\n..."). Needs
// CAP_SETUID and CAP_SETGID over the ids named. Throws Error with errno on
// failure.
os::Fd create_user_namespace(const std::string& uid_map, const std::string& gid_map);

// Bind-mounts the user namespace userns_fd on path, a new empty file, so
// that the namespace outlives its last process and can be joined by path
// until unbind_user_namespace. Throws Error{kAlreadyExists} when path
// exists and Error with errno for a failed system call.
void bind_user_namespace(int userns_fd, const std::string& path);

// Unmounts and deletes a file from bind_user_namespace. A missing path or
// one that is no longer mounted is not an error, so this is idempotent.
void unbind_user_namespace(const std::string& path);

// Attaches a copy of the mount at source on target, idmapped with
// userns_fd as mount_overlay_idmapped does for each layer. Mounts below
// source are copied but not idmapped. Throws Error with errno when the
// kernel or the file system does not support idmapped mounts.
void mount_idmapped(const std::string& source, const std::string& target, int userns_fd);

// Mounts an overlay file system on target like mount_overlay, with every
// lower directory seen through an idmapped mount of userns_fd: a file that
// the layer stores as owned by ID n appears owned by the host ID that n
// maps to. The upper directory is not idmapped, so what the container
// writes is stored with its host IDs, as with a chowned copy of the layers.
// scratch is an empty directory for the temporary idmapped mounts; they
// are detached again before this returns, as overlayfs keeps its own
// references to its layers. Throws Error with errno when the kernel or
// the file system does not support idmapped mounts (EINVAL, ENOSYS, EPERM).
void mount_overlay_idmapped(const std::vector<std::string>& lower_dirs, const std::string& upper,
                            const std::string& work, const std::string& target,
                            bool volatile_upper, int userns_fd, const std::string& scratch);

}  // namespace berth::storage
