#pragma once

// Pods: the layer of berth's pause image, the default image of infra
// containers. Podman 4 builds its pause image the same way: a single static
// catatonit binary, run in pause mode, with no registry involved.

#include <string>

namespace berth::pod {

// The host's static catatonit that goes into the pause image.
inline constexpr const char* kCatatonitPath = "/usr/bin/catatonit";

// Writes a tar layer with catatonit_path as /catatonit (mode 0755) to fd.
// Throws Error{kNotFound} naming catatonit_path when it does not exist.
void write_pause_layer(const std::string& catatonit_path, int fd);

}  // namespace berth::pod
