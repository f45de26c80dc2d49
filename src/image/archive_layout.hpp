#pragma once

// The metadata files of image archives and image directories, as
// `docker save`, `podman save` and skopeo write them: docker-archive
// (manifest.json, repositories, legacy layer directories), the OCI image
// layout (oci-layout, index.json) and the dir transport (manifest.json,
// version). Pure functions over JSON text; reading and writing the files is
// the caller's job.

#include <string>
#include <string_view>
#include <vector>

#include "image/manifest.hpp"

namespace berth::image {

// Docker's media type for an uncompressed layer (docker/distribution
// schema2.MediaTypeUncompressedLayer), used for dir-transport layers that
// are stored without compression.
inline constexpr std::string_view kDockerLayerUncompressed =
    "application/vnd.docker.image.rootfs.diff.tar";

// The annotation of an OCI index entry that names the image.
inline constexpr std::string_view kOciRefNameAnnotation = "org.opencontainers.image.ref.name";

// The contents of the "version" file of a dir-transport directory, as
// containers/image 5 writes it.
inline constexpr std::string_view kDirTransportVersion = "Directory Transport Version: 1.1\n";

// One image of a docker-archive manifest.json. Paths are relative to the
// archive root.
struct DockerArchiveImage {
  std::string config;                  // path of the config JSON
  std::vector<std::string> repo_tags;  // "name:tag" as written, may be empty
  std::vector<std::string> layers;     // paths of the layer tars, base first
};

// Parses docker-archive manifest.json. Throws Error{kInvalidArgument} with a
// message starting "invalid manifest.json" when it is not a JSON array of
// objects with a string "Config" and a "Layers" array of strings, when
// "RepoTags" is neither null nor an array of strings, or when a path is
// absolute or contains "..".
std::vector<DockerArchiveImage> parse_docker_archive_manifest(std::string_view json);

// Returns manifest.json for images, in Docker's form (one line, no
// trailing newline).
std::string docker_archive_manifest(const std::vector<DockerArchiveImage>& images);

// Returns the legacy layer IDs Docker's v1 loader uses as directory names,
// one per diff ID: the first is the diff ID's hex, each next one the sha256
// hex of "<previous ID> <diff ID>", so equal layer stacks get equal IDs.
std::vector<std::string> legacy_layer_ids(const std::vector<std::string>& diff_ids);

// Returns the JSON of a legacy layer directory's "json" file.
std::string legacy_layer_json(const std::string& id, const std::string& parent_id);

// A name for the "repositories" file: "repository:tag" and the legacy ID
// of the image's top layer.
struct RepositoryTag {
  std::string name;  // "registry/repository:tag"
  std::string top_layer_id;
};

// Returns the "repositories" file: {"repository": {"tag": "<top layer id>"}}.
// Names without a tag are left out.
std::string docker_repositories(const std::vector<RepositoryTag>& tags);

// Returns the oci-layout file.
std::string oci_layout_file();

// One image manifest listed in an OCI index.json, with its ref name ("" for
// none).
struct OciIndexEntry {
  Descriptor manifest;
  std::string ref_name;
};

// Returns index.json listing entries, each with its ref name annotation.
std::string oci_index(const std::vector<OciIndexEntry>& entries);

// Parses index.json. Throws Error{kInvalidArgument} with a message starting
// "invalid index.json" when it is not a valid OCI index or lists nothing.
std::vector<OciIndexEntry> parse_oci_index(std::string_view json);

// Returns an image manifest of media_type (OCI or Docker schema 2) over
// config and layers, with the fields in the order registries show them.
std::string image_manifest(std::string_view media_type, const Descriptor& config,
                           const std::vector<Descriptor>& layers);

// Returns whether path is relative and has no "." or ".." component, so
// that joining it to a directory stays inside that directory.
bool is_contained_path(std::string_view path);

}  // namespace berth::image
