#include "engine/manifest_convert.hpp"

#include <optional>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace berth::engine {

namespace {

namespace mt = image::media_type;

// Docker schema 2 names an uncompressed layer too, which berth's manifest
// header leaves out because registries serve compressed layers.
constexpr std::string_view kDockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";

bool is_docker(std::string_view manifest_type) { return manifest_type == mt::kDockerManifest; }

void check_target(std::string_view to_type) {
  if (to_type != mt::kOciManifest && to_type != mt::kDockerManifest) {
    fail(ErrorCode::kInvalidArgument,
         "cannot convert an image manifest to \"{}\": use the OCI or the Docker schema 2 "
         "manifest type",
         to_type);
  }
}

// Returns the layer media type in the format of to_type, or nullopt when
// that format has none for it.
std::optional<std::string_view> converted_layer_type(std::string_view type,
                                                     std::string_view to_type) {
  bool docker = is_docker(to_type);
  if (type == mt::kOciLayerGzip || type == mt::kDockerLayerGzip) {
    return docker ? mt::kDockerLayerGzip : mt::kOciLayerGzip;
  }
  if (type == mt::kOciLayer || type == kDockerLayerTar) {
    return docker ? kDockerLayerTar : mt::kOciLayer;
  }
  if (type == mt::kOciLayerNondistributableGzip || type == mt::kDockerForeignLayerGzip) {
    return docker ? mt::kDockerForeignLayerGzip : mt::kOciLayerNondistributableGzip;
  }
  if (type == mt::kOciLayerZstd && !docker) return type;
  return std::nullopt;
}

std::string_view converted_config_type(std::string_view type, std::string_view to_type) {
  if (type != mt::kOciConfig && type != mt::kDockerConfig) {
    fail(ErrorCode::kInvalidArgument,
         "cannot convert the manifest: config type \"{}\" is not an image config", type);
  }
  return is_docker(to_type) ? mt::kDockerConfig : mt::kOciConfig;
}

// Returns a descriptor with its fields in the order Podman 4.3 writes them
// (Docker: mediaType, size, digest. OCI: mediaType, digest, size), so a
// converted manifest has the digest that Podman's conversion gives.
nlohmann::ordered_json descriptor_json(std::string_view media_type, const image::Descriptor& blob,
                                       const nlohmann::json& urls, bool docker) {
  nlohmann::ordered_json out;
  out["mediaType"] = media_type;
  if (docker) {
    out["size"] = blob.size;
    out["digest"] = blob.digest;
  } else {
    out["digest"] = blob.digest;
    out["size"] = blob.size;
  }
  if (urls.is_array() && !urls.empty()) out["urls"] = urls;
  return out;
}

}  // namespace

std::string_view instance_media_type(std::string_view list_media_type) {
  return list_media_type == mt::kDockerManifestList ? mt::kDockerManifest : mt::kOciManifest;
}

bool layers_convertible(const image::Manifest& manifest, std::string_view to_type) {
  for (const auto& layer : manifest.layers) {
    if (!converted_layer_type(layer.media_type, to_type)) return false;
  }
  return true;
}

std::string convert_manifest(std::string_view body, std::string_view from_type,
                             std::string_view to_type) {
  check_target(to_type);
  auto manifest = image::parse_manifest(body, from_type);
  if (manifest.media_type == to_type) return std::string(body);

  bool docker = is_docker(to_type);
  // parse_manifest checked that the body is an object with a layers array
  // as long as manifest.layers.
  auto raw = nlohmann::json::parse(body);
  const auto& raw_layers = raw["layers"];

  nlohmann::ordered_json out;
  out["schemaVersion"] = 2;
  out["mediaType"] = to_type;
  out["config"] =
      descriptor_json(converted_config_type(manifest.config.media_type, to_type), manifest.config,
                      nlohmann::json(), docker);
  out["layers"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < manifest.layers.size(); ++i) {
    const auto& layer = manifest.layers[i];
    auto type = converted_layer_type(layer.media_type, to_type);
    if (!type) {
      fail(ErrorCode::kInvalidArgument,
           "cannot convert the manifest to \"{}\": layer {} has media type \"{}\", which that "
           "format cannot describe; push with --format oci",
           to_type, layer.digest, layer.media_type);
    }
    out["layers"].push_back(
        descriptor_json(*type, layer, raw_layers[i].value("urls", nlohmann::json()), docker));
  }
  return out.dump();
}

}  // namespace berth::engine
