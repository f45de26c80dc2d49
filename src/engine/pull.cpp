// Pulling an image: resolve the reference, fetch the manifest (choosing a
// platform from an index), the config and each missing layer, verify every
// digest, and record the image only after all of it is in the store.

#include <sys/stat.h>

#include <filesystem>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/image_size.hpp"
#include "engine/local_engine.hpp"
#include "engine/pull_transfer.hpp"
#include "engine/registry_access.hpp"
#include "engine/registry_endpoints.hpp"
#include "engine/scratch_dir.hpp"
#include "events/events.hpp"
#include "image/manifest.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"
#include "os/file.hpp"
#include "os/lock.hpp"
#include "storage/layer_store.hpp"

namespace berth::engine {

struct PullTarget {
  // The image's name as resolved from the request; the image is stored
  // under it whatever endpoint served it.
  image::Reference name;
  // The reference to fetch from: a mirror, the location registries.conf maps
  // the name to, or the name itself.
  PullEndpoint source;
};

namespace {

std::int64_t created_from_config(const nlohmann::json& config) {
  if (!config.contains("created") || !config["created"].is_string()) return 0;
  try {
    return parse_rfc3339(config["created"].get<std::string>());
  } catch (const Error&) {
    return 0;
  }
}

RegistryAccess registry_access_of(const PullRequest& request) {
  return RegistryAccess{request.tls_verify, request.username, request.password, request.cert_dir,
                        request.authfile, request.retry, request.retry_delay_ms};
}

std::vector<std::string> diff_ids_of(const nlohmann::json& config, std::size_t layer_count) {
  std::vector<std::string> diff_ids;
  try {
    diff_ids = config.at("rootfs").at("diff_ids").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    fail(ErrorCode::kInvalidArgument, "image config has no valid rootfs.diff_ids");
  }
  if (diff_ids.size() != layer_count) {
    fail(ErrorCode::kInvalidArgument,
         "image config lists {} diff IDs but the manifest has {} layers", diff_ids.size(),
         layer_count);
  }
  for (const auto& d : diff_ids) Digest::parse(d);
  return diff_ids;
}

}  // namespace

std::string LocalEngine::pull(const PullRequest& request, PullProgress& progress) {
  if (!request.platform.empty()) image::parse_platform(request.platform);
  check_registry_access(registry_access_of(request));
  // When exactly one candidate names an image in the store, the short name
  // resolves to it without a prompt, as in Podman.
  bool stored_match = false;
  auto chooser = [&](const std::string& short_name,
                     const std::vector<std::string>& names) -> std::optional<std::size_t> {
    std::optional<std::size_t> stored;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!ctx_.db().image_by_name(names[i])) continue;
      if (stored) {
        stored.reset();
        break;
      }
      stored = i;
    }
    if (stored) {
      stored_match = true;
      return stored;
    }
    return progress.choose_short_name(short_name, names);
  };
  auto resolved =
      resolve_pull_name(image::parse_reference(request.reference), registries(), chooser);
  // Only a choice made by the user goes into the alias cache.
  if (stored_match) resolved.chosen_alias.reset();
  if (!resolved.description.empty()) progress.resolved_short_name(resolved.description);
  const auto& candidates = resolved.candidates;
  std::vector<std::string> failures;
  for (const auto& candidate : candidates) {
    progress.trying(candidate.str());
    try {
      std::string id = with_context(fmt::format("pulling image \"{}\"", candidate.str()), [&] {
        auto endpoints = pull_endpoints(candidate, registries());
        return pull_from_endpoints(endpoints, [&](const PullEndpoint& source) {
          return pull_one(PullTarget{candidate, source}, request, progress);
        });
      });
      record_chosen_alias(resolved, registries());
      events::write_image(ctx_.db(), "pull", id, candidate.str());
      return id;
    } catch (const Error& e) {
      // Try the next search registry only when this one lacks the image or
      // cannot be reached; anything else (a bad digest, bad credentials) is
      // final.
      bool next = e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kUnavailable;
      if (!next || candidates.size() == 1) throw;
      failures.push_back(e.what());
      if (failures.size() == candidates.size()) {
        throw Error(e.code(), fmt::format("{} errors occurred while pulling:\n * {}",
                                          failures.size(), fmt::join(failures, "\n * ")));
      }
    }
  }
  fail(ErrorCode::kInternal, "no image name to pull for \"{}\"", request.reference);
}

std::string LocalEngine::pull_one(const PullTarget& target, const PullRequest& request,
                                  PullProgress& progress) {
  const auto& ref = target.source.ref;
  auto options = endpoint_options(registry_access_of(request), target.source, registries());
  image::RegistryClient client(ref.registry, options);

  auto top = client.get_manifest(ref.repository, ref.tag_or_digest());
  // Trust: policy.json decides on the requested name and the manifest
  // digest before any blob is fetched.
  enforce_pull_policy(target.name, top.digest, request.signature_policy);
  auto manifest_fetch = top;
  if (image::is_index_media_type(top.media_type)) {
    auto index = image::parse_index(top.body, top.media_type);
    auto wanted = request.platform.empty() ? image::host_platform()
                                           : image::parse_platform(request.platform);
    const auto& entry = image::select_platform(index, wanted);
    manifest_fetch = client.get_manifest(ref.repository, entry.digest);
  }
  auto manifest = image::parse_manifest(manifest_fetch.body, manifest_fetch.media_type);
  for (const auto& layer : manifest.layers) image::layer_compression(layer.media_type);

  std::string config_text = client.get_blob_bytes(ref.repository, manifest.config.digest);
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(config_text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "image config {} is not valid JSON: {}",
         manifest.config.digest, e.what());
  }
  auto diff_ids = diff_ids_of(config, manifest.layers.size());

  // Shared against the exclusive lock of layer garbage collection, which
  // would otherwise delete layers this pull has added but not yet recorded.
  os::FileLock store_lock(ctx_.paths().root + "/layers.lock", true);
  auto& layers = ctx_.layers();
  layers.remove_leftovers();
  ScratchDir downloads(ctx_.paths().tmp(), "pull");
  fetch_layers(client, ref.repository, manifest.layers, diff_ids, layers, downloads.path(),
               pull_parallel_copies(), progress);
  progress.copying_config(manifest.config.digest);
  progress.writing_manifest();

  state::ImageRecord record;
  record.id = Digest::parse(manifest.config.digest).hex;
  record.digest = top.digest;
  record.manifest = manifest_fetch.body;
  record.manifest_type = manifest_fetch.media_type;
  record.config = config_text;
  record.layers = diff_ids;
  record.created_ns = created_from_config(config);
  record.size = image_size(record, layers);
  if (manifest_fetch.digest != top.digest) record.size += static_cast<std::int64_t>(top.body.size());
  std::string name = target.name.name();
  ctx_.db().write([&] {
    if (auto existing = ctx_.db().get_image(record.id)) {
      record.names = existing->names;
      record.repo_digests = existing->repo_digests;
    }
    auto add = [](std::vector<std::string>& list, const std::string& value) {
      if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
    };
    if (!target.name.tag.empty()) add(record.names, name + ":" + target.name.tag);
    add(record.repo_digests, name + "@" + top.digest);
    if (manifest_fetch.digest != top.digest) {
      add(record.repo_digests, name + "@" + manifest_fetch.digest);
    }
    ctx_.db().put_image(record);
  });
  return record.id;
}

}  // namespace berth::engine
