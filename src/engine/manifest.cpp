// Manifest lists: create, add, annotate, remove, inspect and push.
//
// A local list is an image record whose manifest_type is the OCI index
// type and whose manifest is the index, so images, tag and rmi work on it.
// Its config column holds no image config but, as JSON, the registry
// reference ("registry/repository@digest") each instance was added from,
// so `manifest push --all` can copy an instance that is not in local
// storage from there.

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/local_engine.hpp"
#include "engine/manifest_convert.hpp"
#include "engine/manifest_entry_check.hpp"
#include "engine/registry_access.hpp"
#include "engine/registry_endpoints.hpp"
#include "engine/tag.hpp"
#include "image/manifest.hpp"
#include "image/manifest_list.hpp"
#include "image/platform.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"
#include "os/file.hpp"

namespace berth::engine {

namespace {

namespace mt = image::media_type;

bool is_list(const state::ImageRecord& record) {
  return image::is_index_media_type(record.manifest_type);
}

// A local list with its parsed entries and the source of each instance.
struct ListState {
  state::ImageRecord record;
  image::ManifestList list;
  std::map<std::string, std::string> sources;  // digest -> registry/repository@digest
};

ListState load_list(state::ImageRecord record) {
  ListState state;
  state.list = image::parse_manifest_list(record.manifest, record.manifest_type);
  auto config = nlohmann::json::parse(record.config, nullptr, /*allow_exceptions=*/false);
  if (config.is_object() && config.contains("instances") && config["instances"].is_object()) {
    for (const auto& [digest, source] : config["instances"].items()) {
      if (source.is_string()) state.sources[digest] = source.get<std::string>();
    }
  }
  state.record = std::move(record);
  return state;
}

void store_list(state::Database& db, ListState& state) {
  auto& record = state.record;
  // Sources of entries no longer in the list are dropped.
  nlohmann::json instances = nlohmann::json::object();
  for (const auto& entry : state.list.manifests) {
    auto source = state.sources.find(entry.digest);
    if (source != state.sources.end()) instances[entry.digest] = source->second;
  }
  record.manifest = image::serialize_manifest_list(state.list, record.manifest_type);
  record.digest = sha256_digest(record.manifest);
  record.size = static_cast<std::int64_t>(record.manifest.size());
  record.config = nlohmann::json{{"instances", instances}}.dump();
  db.put_image(record);
}

// An entry to add to a list, and the registry reference it can be copied
// from ("" when it exists only in local storage).
struct NewEntry {
  image::ListEntry entry;
  std::string source;
};

image::EntryOverrides overrides_of(const ManifestEntryOptions& options) {
  check_entry_platform(options);
  image::EntryOverrides overrides;
  overrides.architecture = options.arch;
  overrides.os = options.os;
  overrides.variant = options.variant;
  overrides.os_version = options.os_version;
  overrides.os_features = options.os_features;
  overrides.features = options.features;
  overrides.annotations = image::parse_annotations(options.annotations);
  return overrides;
}

NewEntry local_image_entry(const state::ImageRecord& image) {
  NewEntry added;
  added.entry.media_type = image.manifest_type;
  added.entry.digest = sha256_digest(image.manifest);
  added.entry.size = static_cast<std::int64_t>(image.manifest.size());
  added.entry.platform = image::platform_from_config(image.config);
  for (const auto& repo_digest : image.repo_digests) {
    if (repo_digest.ends_with("@" + added.entry.digest)) {
      added.source = repo_digest;
      break;
    }
  }
  return added;
}

// Returns the entry of list that suits this host, as a pull would choose.
const image::ListEntry& host_entry(const image::ManifestList& list, std::string_view body,
                                   std::string_view media_type) {
  auto index = image::parse_index(body, media_type);
  const auto& chosen = image::select_platform(index, image::host_platform());
  for (const auto& entry : list.manifests) {
    if (entry.digest == chosen.digest) return entry;
  }
  fail(ErrorCode::kInternal, "platform entry {} missing from its own list", chosen.digest);
}

std::vector<NewEntry> local_list_entries(const state::ImageRecord& image, bool all) {
  auto state = load_list(image);
  std::vector<NewEntry> added;
  auto add = [&](const image::ListEntry& entry) {
    auto source = state.sources.find(entry.digest);
    added.push_back({entry, source != state.sources.end() ? source->second : ""});
  };
  if (all) {
    for (const auto& entry : state.list.manifests) add(entry);
  } else {
    add(host_entry(state.list, image.manifest, image.manifest_type));
  }
  return added;
}

// Strips a transport prefix from text and returns whether it named the
// docker transport.
bool strip_docker_transport(std::string& text) {
  if (!text.starts_with("docker://")) return false;
  text.erase(0, 9);
  return true;
}

// Calls fetch for each name a reference may mean (short names through
// registries.conf) and returns the first result. A registry that lacks the
// image or cannot be reached moves on to the next name.
template <typename Fetch>
auto for_each_candidate(const std::string& text, const config::RegistriesConfig& registries,
                        Fetch&& fetch) -> decltype(fetch(image::Reference{})) {
  auto resolved = resolve_pull_name(image::parse_reference(text), registries, {});
  const auto& candidates = resolved.candidates;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    try {
      return with_context(fmt::format("reading \"{}\"", candidates[i].str()),
                          [&] { return fetch(candidates[i]); });
    } catch (const Error& e) {
      bool next = e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kUnavailable;
      if (!next || i + 1 == candidates.size()) throw;
    }
  }
  fail(ErrorCode::kInternal, "no image name to read for \"{}\"", text);
}

// Returns the registry access for reading an instance's source: the
// request's TLS and certificate settings, with credentials from the auth
// files only, because --creds belongs to the destination.
RegistryAccess source_access(const RegistryAccess& access) {
  RegistryAccess source = access;
  source.username.reset();
  source.password.reset();
  return source;
}

std::vector<NewEntry> remote_entries(const image::Reference& ref, bool all,
                                     const RegistryAccess& access,
                                     const config::RegistriesConfig& registries) {
  auto options = registry_options(access, ref.name(), registries);
  image::RegistryClient client(ref.registry, options);
  auto top = client.get_manifest(ref.repository, ref.tag_or_digest());
  std::vector<NewEntry> added;
  if (image::is_index_media_type(top.media_type)) {
    auto list = image::parse_manifest_list(top.body, top.media_type);
    if (all) {
      for (const auto& entry : list.manifests) {
        added.push_back({entry, ref.name() + "@" + entry.digest});
      }
    } else {
      const auto& entry = host_entry(list, top.body, top.media_type);
      added.push_back({entry, ref.name() + "@" + entry.digest});
    }
    return added;
  }
  auto manifest = image::parse_manifest(top.body, top.media_type);
  std::string config = client.get_blob_bytes(ref.repository, manifest.config.digest);
  NewEntry entry;
  entry.entry.media_type = top.media_type;
  entry.entry.digest = top.digest;
  entry.entry.size = static_cast<std::int64_t>(top.body.size());
  entry.entry.platform = image::platform_from_config(config);
  entry.source = ref.name() + "@" + top.digest;
  added.push_back(std::move(entry));
  return added;
}

// Applies change to the list with ID id and stores the result, in one
// transaction that re-reads the list first.
void update_list(state::Database& db, const std::string& id, const std::string& name,
                 const std::function<void(ListState&)>& change) {
  db.write([&] {
    auto record = db.get_image(id);
    if (!record || !is_list(*record)) {
      fail(ErrorCode::kNotFound, "manifest list \"{}\" was removed by another command: create it again", name);
    }
    auto state = load_list(std::move(*record));
    change(state);
    store_list(db, state);
  });
}

void add_entries(ListState& state, std::vector<NewEntry> entries,
                 const image::EntryOverrides& overrides) {
  for (auto& added : entries) {
    image::apply_entry_overrides(added.entry, overrides);
    if (!added.source.empty()) state.sources[added.entry.digest] = added.source;
    image::add_list_entry(state.list, std::move(added.entry));
  }
}

std::string list_media_type(const std::string& format, const std::string& stored) {
  if (format.empty()) return stored;
  if (format == "oci") return std::string(mt::kOciIndex);
  if (format == "v2s2") return std::string(mt::kDockerManifestList);
  fail(ErrorCode::kInvalidArgument, "invalid --format \"{}\": use oci or v2s2", format);
}

// A blob downloaded for one copy, removed when the copy ends.
class TempBlob {
 public:
  explicit TempBlob(const std::string& tmp_root)
      : path_(tmp_root + "/manifest-blob-" + random_id().substr(0, 16)) {
    os::make_dirs(tmp_root, 0700);
  }
  ~TempBlob() {
    ::unlink(path_.c_str());
    ::unlink((path_ + ".partial").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A list instance that is not in local storage, to be copied from the
// registry repository it was added from.
struct RemoteInstance {
  image::Reference source;
  std::unique_ptr<image::RegistryClient> client;
  image::FetchedManifest fetched;
  std::string body;  // the manifest to store, converted to the --format type
  std::string media_type;
};

// Fetches the manifest digest from source_text and converts it to
// instance_type unless that is empty. Throws before anything is uploaded
// when the manifest cannot be converted.
RemoteInstance read_remote_instance(const std::string& source_text, const std::string& digest,
                                    const std::string& instance_type,
                                    const RegistryAccess& access,
                                    const config::RegistriesConfig& registries) {
  RemoteInstance remote;
  remote.source = image::parse_reference(source_text).ref;
  remote.client = std::make_unique<image::RegistryClient>(
      remote.source.registry,
      registry_options(source_access(access), remote.source.name(), registries));
  remote.fetched = remote.client->get_manifest(remote.source.repository, digest);
  remote.body = remote.fetched.body;
  remote.media_type = remote.fetched.media_type;
  if (!instance_type.empty() && remote.media_type != instance_type) {
    remote.body = convert_manifest(remote.fetched.body, remote.fetched.media_type, instance_type);
    remote.media_type = instance_type;
  }
  return remote;
}

// Copies a remote instance's config and layers to dest's repository and
// stores its manifest there under the manifest's digest, which it returns.
// Blobs dest has are skipped, blobs of the same registry are mounted, and
// the rest go through a temporary file.
std::string copy_instance(RemoteInstance& remote, image::RegistryClient& to,
                          const image::Reference& dest, const std::string& tmp_root,
                          PullProgress& progress) {
  const auto& source = remote.source;
  auto manifest = image::parse_manifest(remote.fetched.body, remote.fetched.media_type);
  auto copy_blob = [&](const image::Descriptor& blob) {
    if (to.has_blob(dest.repository, blob.digest)) return true;
    if (source.registry == dest.registry &&
        to.mount_blob(dest.repository, blob.digest, source.repository)) {
      return true;
    }
    TempBlob temp(tmp_root);
    with_context(fmt::format("fetching blob {}", blob.digest),
                 [&] { remote.client->get_blob_to_file(source.repository, blob, temp.path()); });
    auto fd = os::open_file(temp.path(), O_RDONLY | O_CLOEXEC);
    // upload_blob's errors name the blob and the registry themselves.
    to.upload_blob(dest.repository, blob, fd.get());
    return false;
  };
  for (const auto& layer : manifest.layers) progress.copying_blob(layer.digest, copy_blob(layer));
  copy_blob(manifest.config);
  progress.copying_config(manifest.config.digest);
  progress.writing_manifest();
  return to.put_manifest(dest.repository, sha256_digest(remote.body), remote.body,
                         remote.media_type);
}

// Returns a copy of a local instance whose stored manifest is in
// instance_type's format, so the image push writes that format and keeps
// the pulled blobs where it can. When a layer's compression has no
// equivalent in that format (zstd for Docker schema 2), the stored
// manifest is dropped and the push compresses every layer again.
state::ImageRecord local_instance_as(const state::ImageRecord& record,
                                     const std::string& instance_type) {
  if (instance_type.empty() || record.manifest_type == instance_type) return record;
  state::ImageRecord converted = record;
  converted.manifest_type = instance_type;
  auto manifest = image::parse_manifest(record.manifest, record.manifest_type);
  if (layers_convertible(manifest, instance_type)) {
    converted.manifest = convert_manifest(record.manifest, record.manifest_type, instance_type);
  } else {
    converted.manifest.clear();
  }
  return converted;
}

// An instance as manifest push sends it: a local image to push, or a
// remote instance to copy from the registry it was added from.
struct PlannedInstance {
  std::optional<state::ImageRecord> local;
  std::optional<RemoteInstance> remote;
};

// Returns the local images (no lists) by the digest of their stored
// manifest.
std::map<std::string, state::ImageRecord> local_images_by_digest(state::Database& db) {
  std::map<std::string, state::ImageRecord> local;
  for (auto& image : db.list_images()) {
    if (!is_list(image)) local.emplace(sha256_digest(image.manifest), std::move(image));
  }
  return local;
}

}  // namespace

state::ImageRecord LocalEngine::require_manifest_list(const std::string& list) {
  auto record = find_image(list);
  if (!record) {
    fail(ErrorCode::kNotFound,
         "{}: manifest list not known: create it with `berth manifest create {}`", list, list);
  }
  if (!is_list(*record)) {
    fail(ErrorCode::kInvalidArgument, "{}: image is not a manifest list", list);
  }
  return *record;
}

namespace {

// Resolves one IMAGE argument of create or add into the entries it adds.
// A local image (or local list) wins unless the text starts with
// docker://. Otherwise only its manifest and config are read from the
// registry.
template <typename FindLocal>
std::vector<NewEntry> entries_for(std::string text, bool all, const RegistryAccess& access,
                                  const config::RegistriesConfig& registries,
                                  FindLocal&& find_local) {
  bool remote = strip_docker_transport(text);
  bool local = false;
  if (text.starts_with("containers-storage:")) {
    text.erase(0, 19);
    local = true;
  }
  if (!remote) {
    if (auto image = find_local(text)) {
      if (is_list(*image)) return local_list_entries(*image, all);
      return {local_image_entry(*image)};
    }
    if (local) fail(ErrorCode::kNotFound, "{}: image not known", text);
  }
  return for_each_candidate(text, registries, [&](const image::Reference& ref) {
    return remote_entries(ref, all, access, registries);
  });
}

}  // namespace

std::string LocalEngine::manifest_create(const ManifestCreateRequest& request) {
  std::string name = normalize_tag_name(request.list);
  auto annotations = image::parse_annotations(request.annotations);
  check_registry_access(request.access);
  auto& db = ctx_.db();
  auto find_local = [this](const std::string& text) { return find_image(text); };

  std::vector<NewEntry> entries;
  for (const auto& text : request.images) {
    auto more = with_context(fmt::format("adding \"{}\" to manifest list \"{}\"", text, name),
                             [&] { return entries_for(text, request.all, request.access,
                                                      registries(), find_local); });
    for (auto& e : more) entries.push_back(std::move(e));
  }

  std::string id;
  db.write([&] {
    if (auto existing = db.image_by_name(name)) {
      auto record = db.get_image(*existing);
      if (!request.amend) {
        fail(ErrorCode::kAlreadyExists,
             "image name \"{}\" is already associated with image \"{}\": that name is already in "
             "use; use --amend to change the existing list",
             name, *existing);
      }
      if (!record || !is_list(*record)) {
        fail(ErrorCode::kInvalidArgument, "{}: image is not a manifest list, so --amend cannot "
             "change it", name);
      }
      id = record->id;
    } else {
      state::ImageRecord record;
      record.id = random_id();
      record.names = {name};
      record.manifest_type = std::string(mt::kOciIndex);
      record.created_ns = now_ns();
      ListState state;
      state.record = std::move(record);
      store_list(db, state);
      id = state.record.id;
    }
    update_list(db, id, name, [&](ListState& state) {
      for (const auto& [key, value] : annotations) state.list.annotations[key] = value;
      add_entries(state, std::move(entries), image::EntryOverrides{});
    });
  });
  return id;
}

std::string LocalEngine::manifest_add(const ManifestAddRequest& request) {
  auto list = require_manifest_list(request.list);
  auto overrides = overrides_of(request.entry);
  check_registry_access(request.access);
  auto find_local = [this](const std::string& text) { return find_image(text); };
  std::vector<NewEntry> entries;
  for (const auto& text : request.images) {
    auto more =
        with_context(fmt::format("adding \"{}\" to manifest list \"{}\"", text, request.list),
                     [&] { return entries_for(text, request.all, request.access, registries(),
                                              find_local); });
    for (auto& e : more) entries.push_back(std::move(e));
  }
  update_list(ctx_.db(), list.id, request.list,
              [&](ListState& state) { add_entries(state, std::move(entries), overrides); });
  return list.id;
}

std::string LocalEngine::manifest_annotate(const ManifestAnnotateRequest& request) {
  auto list = require_manifest_list(request.list);
  auto overrides = overrides_of(request.entry);
  std::string digest;
  if (!request.index) {
    digest = request.instance;
    if (!digest.starts_with("sha256:")) {
      auto image = find_image(request.instance);
      if (!image || is_list(*image)) {
        fail(ErrorCode::kNotFound,
             "{}: neither a digest nor a local image: give the digest of an entry of list \"{}\"",
             request.instance, request.list);
      }
      digest = sha256_digest(image->manifest);
    }
    Digest::parse(digest);
  }
  update_list(ctx_.db(), list.id, request.list, [&](ListState& state) {
    if (request.index) {
      for (const auto& [key, value] : overrides.annotations) state.list.annotations[key] = value;
      return;
    }
    with_context(fmt::format("annotating manifest list \"{}\"", request.list), [&] {
      image::apply_entry_overrides(image::find_list_entry(state.list, digest), overrides);
    });
  });
  return list.id;
}

std::string LocalEngine::manifest_remove(const std::string& list, const std::string& digest) {
  auto record = require_manifest_list(list);
  Digest::parse(digest);
  update_list(ctx_.db(), record.id, list, [&](ListState& state) {
    with_context(fmt::format("removing from manifest list \"{}\"", list),
                 [&] { image::remove_list_entry(state.list, digest); });
  });
  return record.id;
}

nlohmann::ordered_json LocalEngine::manifest_inspect(const std::string& list,
                                                     const RegistryAccess& access) {
  std::string text = list;
  bool remote = strip_docker_transport(text);
  if (!remote) {
    auto record = find_image(text);
    if (record && is_list(*record)) {
      return image::manifest_list_inspect_json(load_list(*record).list);
    }
  }
  check_registry_access(access);
  return for_each_candidate(text, registries(), [&](const image::Reference& ref) {
    image::RegistryClient client(ref.registry, registry_options(access, ref.name(), registries()));
    auto top = client.get_manifest(ref.repository, ref.tag_or_digest());
    if (image::is_index_media_type(top.media_type)) {
      return image::manifest_list_inspect_json(
          image::parse_manifest_list(top.body, top.media_type));
    }
    return nlohmann::ordered_json::parse(top.body);
  });
}

state::ImageRecord LocalEngine::resolve_list_instance(
    const state::ImageRecord& image, const std::string& name,
    const std::optional<image::Platform>& platform) {
  if (!is_list(image)) return image;
  auto state = load_list(image);
  auto index = image::parse_index(image.manifest, image.manifest_type);
  auto requested = platform.value_or(image::host_platform());
  auto local = local_images_by_digest(ctx_.db());
  // Of the entries for the platform, the best-ranked one in local storage
  // is used, so a list with two amd64 images runs whichever is local.
  std::optional<int> best_rank;
  const state::ImageRecord* best = nullptr;
  bool any_match = false;
  std::vector<std::string> available;
  for (const auto& candidate : index.manifests) {
    if (!candidate.platform) continue;
    // Attestation entries carry the platform unknown/unknown.
    if (candidate.platform->os == "unknown" && candidate.platform->architecture == "unknown") {
      continue;
    }
    available.push_back(candidate.platform->str());
    auto rank = image::platform_match_rank(*candidate.platform, requested);
    if (!rank) continue;
    any_match = true;
    auto found = local.find(candidate.digest);
    if (found == local.end()) continue;
    if (!best_rank || *rank < *best_rank) {
      best_rank = rank;
      best = &found->second;
    }
  }
  if (best != nullptr) return *best;
  if (!any_match) {
    std::string listed = available.empty() ? "none" : fmt::format("{}", fmt::join(available, ", "));
    fail(ErrorCode::kNotFound,
         "manifest list \"{}\" has no image for platform {} (available: {}): add one with "
         "`berth manifest add`",
         name, requested.str(), listed);
  }
  // select_platform ranks ties the way a pull does, so the message names
  // the image a pull would fetch.
  const auto& chosen = image::select_platform(index, requested);
  auto source = state.sources.find(chosen.digest);
  if (source != state.sources.end()) {
    fail(ErrorCode::kNotFound,
         "image {} for {} of manifest list \"{}\" is not in local storage: pull it with "
         "`berth pull {}`",
         chosen.digest, requested.str(), name, source->second);
  }
  fail(ErrorCode::kNotFound,
       "image {} for {} of manifest list \"{}\" is not in local storage: pull or load it first",
       chosen.digest, requested.str(), name);
}

namespace {

// Forwards an image push's progress and drops the list's own lines.
class InstanceProgress : public ManifestPushProgress {
 public:
  explicit InstanceProgress(PullProgress& inner) : inner_(inner) {}
  void copying_instances(std::size_t) override {}
  void copying_instance(const std::string&, std::size_t, std::size_t) override {}
  void writing_list() override {}
  void trying(const std::string& reference) override { inner_.trying(reference); }
  void copying_blob(const std::string& digest, bool already_exists) override {
    inner_.copying_blob(digest, already_exists);
  }
  void copying_config(const std::string& digest) override { inner_.copying_config(digest); }
  void writing_manifest() override { inner_.writing_manifest(); }

 private:
  PullProgress& inner_;
};

}  // namespace

std::string LocalEngine::push_manifest_list(const PushRequest& request, PullProgress& progress) {
  ManifestPushRequest list_request;
  list_request.list = request.image;
  list_request.destination = request.destination;
  list_request.access = request.access;
  list_request.format = request.format;
  InstanceProgress forward(progress);
  return manifest_push(list_request, forward);
}

bool LocalEngine::manifest_exists(const std::string& list) {
  auto record = find_image(list);
  return record && is_list(*record);
}

ImageRemoveReport LocalEngine::manifest_rm(const std::string& list) {
  auto record = require_manifest_list(list);
  ctx_.db().remove_image(record.id);
  ImageRemoveReport report;
  report.untagged = record.names;
  report.deleted.push_back(record.id);
  return report;
}

std::string LocalEngine::manifest_push(const ManifestPushRequest& request,
                                       ManifestPushProgress& progress) {
  check_registry_access(request.access);
  auto state = load_list(require_manifest_list(request.list));
  std::string media_type = list_media_type(request.format, state.record.manifest_type);

  std::string text = request.destination;
  if (text.empty()) {
    text = request.list;
    auto parsed = image::parse_reference(text);
    // A short list name means the stored name it matched.
    if (!parsed.qualified && !state.record.names.empty()) text = state.record.names.front();
  }
  strip_docker_transport(text);
  auto parsed = image::parse_reference(text);
  auto dest = parsed.ref;
  if (!parsed.qualified) dest = image::parse_reference("docker.io/" + text).ref;
  if (dest.tag.empty() && dest.digest.empty()) dest.tag = "latest";

  return with_context(fmt::format("pushing manifest list \"{}\"", dest.str()), [&] {
    check_not_blocked(dest, registries());
    image::RegistryClient to(dest.registry,
                             registry_options(request.access, dest.name(), registries()));
    auto& entries = state.list.manifests;
    if (request.all) {
      // --format converts each instance too, as Podman does, so the list
      // and its images share one format.
      std::string instance_type =
          request.format.empty() ? "" : std::string(instance_media_type(media_type));
      // Every instance is found, and converted where needed, before
      // anything is uploaded.
      auto local = local_images_by_digest(ctx_.db());
      std::vector<PlannedInstance> plans;
      for (const auto& entry : entries) {
        PlannedInstance plan;
        auto image = local.find(entry.digest);
        auto source = state.sources.find(entry.digest);
        if (image != local.end()) {
          plan.local = with_context(fmt::format("converting image {}", entry.digest), [&] {
            return local_instance_as(image->second, instance_type);
          });
        } else if (source != state.sources.end()) {
          plan.remote = with_context(
              fmt::format("reading image {} from \"{}\"", entry.digest, source->second), [&] {
                return read_remote_instance(source->second, entry.digest, instance_type,
                                            request.access, registries());
              });
        } else {
          fail(ErrorCode::kNotFound,
               "image {} of the list is not in local storage and was not added from a "
               "registry: pull it, or remove it from the list",
               entry.digest);
        }
        plans.push_back(std::move(plan));
      }

      progress.copying_instances(entries.size());
      for (std::size_t i = 0; i < entries.size(); ++i) {
        auto& entry = entries[i];
        auto& plan = plans[i];
        progress.copying_instance(entry.digest, i + 1, entries.size());
        std::string pushed;
        if (plan.local) {
          pushed = push_instance(*plan.local, dest, request.access, progress);
        } else {
          pushed = with_context(
              fmt::format("copying image {} from \"{}\"", entry.digest, plan.remote->source.str()),
              [&] { return copy_instance(*plan.remote, to, dest, ctx_.paths().tmp(), progress); });
        }
        if (pushed != entry.digest) {
          // --format converted the manifest or a layer was compressed
          // again, so the instance has a new digest. The pushed list names
          // it, as Podman's does.
          auto fetched = to.get_manifest(dest.repository, pushed);
          entry.digest = pushed;
          entry.size = static_cast<std::int64_t>(fetched.body.size());
          entry.media_type = fetched.media_type;
        }
      }
    }
    std::string body = image::serialize_manifest_list(state.list, media_type);
    progress.writing_list();
    std::string digest = to.put_manifest(dest.repository, dest.tag_or_digest(), body, media_type);
    if (request.remove) ctx_.db().remove_image(state.record.id);
    return digest;
  });
}

}  // namespace berth::engine
