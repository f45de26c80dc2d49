#pragma once

#include <set>
#include <string>

namespace berth::storage {

// Writes a pax tar of an overlayfs diff directory to fd and returns
// "sha256:<hex>" of the bytes written. Entries come in sorted name order,
// each directory before its contents, with mode, owner, mtime and xattrs
// (trusted.overlay.* ones left out). Overlay whiteouts turn back into
// layer whiteouts: a 0/0 character device NAME becomes an empty file
// ".wh.NAME", and a directory with trusted.overlay.opaque="y" gets an
// empty ".wh..wh..opq" entry after its own. Hardlinked files are written
// once and linked after. Sockets are left out. The root directory itself has
// no entry. Throws Error naming the path when reading the directory or
// writing fd fails; fd has then received part of the tar.
std::string write_diff_tar(const std::string& diff_dir, int fd);

// Does the same, but leaves out the mount point stubs a runtime created. A
// stub is an entry whose path (relative, such as "etc/hosts") is in
// mount_points and that is an empty directory or an empty regular file.
// A parent directory of such a path that contains nothing else is left out
// too, because the runtime only copied it up to create the stub.
std::string write_diff_tar(const std::string& diff_dir, int fd,
                           const std::set<std::string>& mount_points);

}  // namespace berth::storage
