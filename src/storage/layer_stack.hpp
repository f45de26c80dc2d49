#pragma once

// Lookups in a stack of overlay layer directories (an image's layers, a
// container's upper directory above them).

#include <sys/stat.h>

#include <string>
#include <vector>

#include "os/fd.hpp"

namespace berth::storage {

// Opens each of dirs (layer directories, topmost first) for the lookups
// below. Throws Error naming a directory that cannot be opened.
std::vector<os::Fd> open_layer_dirs(const std::vector<std::string>& dirs);

// Whether st is an overlay whiteout (a 0:0 character device).
bool is_whiteout(const struct stat& st);

// Whether the directory path (relative) beneath layer_fd is marked opaque
// (trusted.overlay.opaque = y), hiding the layers below it.
bool is_opaque_dir(int layer_fd, const std::string& path);

// Returns whether path (relative, no leading "/") exists in the stack of
// layer directories, topmost first: the first layer that has it decides,
// and a whiteout or an opaque directory on the way hides the layers below.
// No symlink is followed.
bool exists_in_layers(const std::vector<os::Fd>& layer_fds, const std::string& path);

}  // namespace berth::storage
