#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/platform.hpp"

namespace berth::image {

// Media types of the OCI image spec and Docker image manifest v2 schema 2.
namespace media_type {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciLayerNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
// Schema 1 manifests are recognised only to reject them with a clear error.
inline constexpr std::string_view kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
}  // namespace media_type

// Returns the value of an Accept header that requests every manifest type berth reads.
std::string manifest_accept_header();

// The compression of a layer blob, from its media type.
enum class Compression { kNone, kGzip, kZstd };

// Returns the compression of a layer media type. Throws Error{kInvalidArgument}
// naming the media type when it is not a layer type berth can unpack.
Compression layer_compression(std::string_view layer_media_type);

// An OCI content descriptor.
struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<hex>", validated when parsed
  std::int64_t size = 0;
  std::optional<Platform> platform;  // index entries only
  std::map<std::string, std::string> annotations;
};

// An image manifest (OCI or Docker schema 2).
struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

// An image index (OCI) or manifest list (Docker).
struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

bool is_index_media_type(std::string_view media_type);
bool is_manifest_media_type(std::string_view media_type);

// Returns the media type of a manifest body. That is content_type when it is
// one of the four manifest and index types, because registries often send
// "application/json" or nothing. Otherwise it is the body's "mediaType"
// field, else the OCI index type when the body has "manifests", else the OCI
// manifest type when it has "layers". Throws Error{kInvalidArgument} when the body
// is not JSON or none of these apply.
std::string detect_manifest_media_type(std::string_view body, std::string_view content_type);

// Parses a manifest body. media_type may be empty or generic (see
// detect_manifest_media_type). Throws Error{kInvalidArgument} for invalid
// JSON, a missing or invalid digest, an index body, or a schema 1 manifest.
Manifest parse_manifest(std::string_view body, std::string_view media_type);

// Parses an index or manifest list body; the same rules as parse_manifest.
Index parse_index(std::string_view body, std::string_view media_type);

// Returns the index entry for the requested platform, following containerd
// and Podman. The os and architecture must match. A requested variant must
// match too, where arm64 "v8" equals no variant and arm without a variant
// means "v7". An arm entry with a lower variant is accepted when no exact one
// exists. Without a requested variant an entry without one is preferred, else
// the first os/architecture match is taken. Entries
// without a platform and "unknown/unknown" attestation entries are skipped.
// Throws Error{kNotFound} listing the available platforms when nothing
// matches. The reference points into index.
const Descriptor& select_platform(const Index& index, const Platform& requested);

}  // namespace berth::image
