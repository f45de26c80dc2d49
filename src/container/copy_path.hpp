#pragma once

// cp paths inside a container: mapping a container path onto the host
// directory tree that contains it. That tree is the container's root file
// system or the host source of one of its mounts (a named volume or a bind
// mount).

#include <string>
#include <vector>

namespace berth::container {

// A mount whose content cp reads and writes on the host.
struct CopyMount {
  std::string destination;  // absolute, clean path inside the container
  std::string source;       // host directory, or host file for a file bind mount
  bool read_only = false;
};

// The host location of a container path.
struct CopyLocation {
  // Host directory taken as "/" for the copy: the container's root file
  // system or a mount's source (the parent directory of a file source).
  std::string root;
  // The path inside root, ending in "/" or "/." when the container path did.
  std::string path;
  // Destination of the mount that contains the path, "" for the root file system.
  std::string mount_destination;
  bool read_only = false;  // the containing mount is read-only
};

// Resolves path (absolute inside the container) one component at a time
// against the root file system rootfs and the mounts, as the container sees
// it. A component that is a mount destination continues in the mount's
// source. A symlink is read where it lies, and its target is resolved from
// the container's "/" (absolute) or from the link's directory (relative), so
// it may lead from a volume back into the root file system or into another
// mount. ".." never goes above the container's "/". The last component is
// followed only with follow_last, and missing components are kept as they
// are. Each lookup is an openat2(RESOLVE_IN_ROOT) inside the containing
// root, so nothing outside rootfs or a mount's source is reached.
// Throws Error{kInvalidArgument} after 40 symlinks.
CopyLocation resolve_container_path(const std::string& rootfs,
                                    const std::vector<CopyMount>& mounts, const std::string& path,
                                    bool follow_last);

}  // namespace berth::container
