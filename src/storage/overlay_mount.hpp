#pragma once

#include <string>
#include <vector>

namespace berth::storage {

// Mounts an overlay file system on target with MS_NODEV, as a container's
// root file system. lower_dirs are listed top-most first; upper and work
// must be directories on one file system, with work empty. With upper and
// work both empty the mount is read-only, which needs two or more lower
// directories.
//
// The kernel takes at most one page (4096 bytes here) of mount options.
// When the absolute paths do not fit, the lower directories are passed
// relative to their longest common parent directory, from a child process
// that changes into it. LayerStore::lower_path gives short links for that
// case. Throws Error{kInvalidArgument} when the options still do not fit or
// a path contains ',' or ':', and Error with errno when mount(2) fails (the
// kernel log then has overlayfs's reason).
//
// With volatile_upper the upper directory is mounted with overlayfs's
// "volatile" option: no sync reaches the upper file system, not even the
// one at unmount, which otherwise flushes the whole host file system. Its
// content may then be lost in a host crash, so it is for containers that
// are removed when they exit. Kernels without the option (before 5.10)
// get a plain mount.
void mount_overlay(const std::vector<std::string>& lower_dirs, const std::string& upper,
                   const std::string& work, const std::string& target,
                   bool volatile_upper = false);

// Detaches the mount on target (MNT_DETACH). A target that is not a mount
// point or does not exist is not an error.
void unmount(const std::string& target);

}  // namespace berth::storage
