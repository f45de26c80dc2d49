#pragma once

// The text of `image tree`, shared by the CLI and the service's tree route
// (which Podman 4's remote client prints as it comes).

#include <string>

#include "engine/engine.hpp"

namespace berth::engine {

// Returns what `image tree` prints, as Podman 4.3 draws it, without the
// final newline: the image's ID, tags and size, then its layers as a tree.
std::string image_tree_text(const ImageTreeReport& report);

}  // namespace berth::engine
