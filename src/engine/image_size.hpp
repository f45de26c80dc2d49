#pragma once

#include <cstdint>

#include "state/database.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

// Returns an image's size as Podman reports it: the bytes of its layers'
// uncompressed tars plus the metadata Podman stores with the image, which
// is the config and the manifest twice (under its digest and as
// "manifest"). Set record.layers, config and manifest first. A pull through
// a manifest list adds the list's bytes, because Podman keeps the list too.
std::int64_t image_size(const state::ImageRecord& record, const storage::LayerStore& layers);

}  // namespace berth::engine
