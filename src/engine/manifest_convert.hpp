#pragma once

// Converting an image manifest between the Docker schema 2 and OCI
// formats, as `manifest push --format` does for each instance of a list.
// Only the media types change: the config and layer blobs stay the same
// bytes, so a converted manifest needs no blob uploaded again.

#include <string>
#include <string_view>

#include "image/manifest.hpp"

namespace berth::engine {

// Returns the image manifest type that instances of a list of type
// list_media_type have after a push with --format: the OCI manifest type
// for an OCI index, the Docker schema 2 type for a Docker manifest list.
std::string_view instance_media_type(std::string_view list_media_type);

// Returns whether every layer of manifest has a media type in to_type's
// format. Docker schema 2 has no zstd layer type, so a zstd layer cannot
// be converted to it.
bool layers_convertible(const image::Manifest& manifest, std::string_view to_type);

// Returns body, an image manifest of type from_type, rewritten as to_type
// (the OCI manifest or the Docker schema 2 type): the manifest, config and
// layer media types in to_type's format, with the same digests, sizes and
// layer URLs. Annotations are dropped when converting to Docker schema 2,
// which has none. Returns body unchanged when from_type equals to_type.
// Throws Error{kInvalidArgument} for a body that is no image manifest, a
// config that is not an image config, or a layer type with no equivalent
// in to_type (zstd for Docker schema 2).
std::string convert_manifest(std::string_view body, std::string_view from_type,
                             std::string_view to_type);

}  // namespace berth::engine
