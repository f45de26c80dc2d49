#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/registries.hpp"
#include "container/context.hpp"
#include "engine/engine.hpp"
#include "image/platform.hpp"
#include "image/reference.hpp"
#include "state/database.hpp"

namespace berth::engine {

// The Engine that does the work in this process: storage, state, runtime
// and network on this host.
class LocalEngine : public Engine {
 public:
  LocalEngine(container::Paths paths, std::optional<std::string> runtime_name);
  ~LocalEngine() override;

  std::string pull(const PullRequest& request, PullProgress& progress) override;
  std::string push(const PushRequest& request, PullProgress& progress) override;
  std::vector<ImageSummary> list_images() override;
  nlohmann::json inspect_image(const std::string& name_or_id) override;
  ImageRemoveReport remove_image(const std::string& name_or_id, bool force) override;
  bool image_exists(const std::string& name_or_id) override;
  void tag_image(const std::string& name_or_id, const std::vector<std::string>& names) override;
  std::vector<std::string> untag_image(const std::string& name_or_id,
                                       const std::vector<std::string>& names) override;

  // Image queries and prune (image_query.cpp, prune.cpp).
  std::vector<ImageHistoryEntry> image_history(const std::string& name_or_id) override;
  std::vector<ImageChange> image_diff(const std::string& name_or_id) override;
  std::vector<ImageChange> image_diff(const std::string& name_or_id,
                                      const std::string& base) override;
  ImageTreeReport image_tree(const std::string& name_or_id, bool whatrequires) override;
  std::vector<std::string> prune_images(const ImagePruneRequest& request) override;

  // save and load (save.cpp, load.cpp).
  void save(const SaveRequest& request, int output_fd, PullProgress& progress) override;
  std::vector<std::string> load(const std::string& input, int input_fd,
                                PullProgress& progress) override;

  // search (search.cpp).
  std::vector<SearchResult> search(const SearchRequest& request) override;

  // Manifest lists (manifest.cpp).
  std::string manifest_create(const ManifestCreateRequest& request) override;
  std::string manifest_add(const ManifestAddRequest& request) override;
  std::string manifest_annotate(const ManifestAnnotateRequest& request) override;
  std::string manifest_remove(const std::string& list, const std::string& digest) override;
  nlohmann::ordered_json manifest_inspect(const std::string& list,
                                          const RegistryAccess& access) override;
  bool manifest_exists(const std::string& list) override;
  ImageRemoveReport manifest_rm(const std::string& list) override;
  std::string manifest_push(const ManifestPushRequest& request,
                            ManifestPushProgress& progress) override;

  // commit, export and import (commit.cpp, import_export.cpp).
  std::string commit(const CommitRequest& request, PullProgress& progress) override;
  void export_container(const std::string& name_or_id, int output_fd) override;
  // cp (copy.cpp).
  void copy(const CopyRequest& request, int stream_fd) override;
  // diff (container_diff.cpp).
  std::vector<ImageChange> container_diff(const std::string& name_or_id) override;
  std::string import_image(const ImportRequest& request, int input_fd,
                           PullProgress& progress) override;

  // Trust (trust.cpp).
  std::string trust_policy_path(const std::string& policy_path) override;
  std::string trust_policy_text(const std::string& policy_path) override;
  std::vector<TrustEntry> show_trust(const std::string& policy_path) override;
  void set_trust(const TrustSetRequest& request) override;

  std::string create(const CreateRequest& request, PullProgress& progress) override;
  void start(const std::string& name_or_id, const container::StartOptions& options) override;
  void stop(const std::string& name_or_id, std::optional<int> timeout) override;
  void kill(const std::string& name_or_id, const std::string& signal) override;
  void remove(const std::string& name_or_id, bool force) override;
  int wait(const std::string& name_or_id) override;
  int wait_for(const std::string& name_or_id, container::WaitCondition condition,
               const std::function<bool()>& keep_going = {}) override;
  std::vector<ContainerSummary> list_containers(bool all) override;
  nlohmann::json inspect_container(const std::string& name_or_id) override;
  void logs(const std::vector<std::string>& names_or_ids, const container::LogOptions& options,
            int stdout_fd, int stderr_fd) override;
  std::vector<std::vector<std::string>> top(const std::string& name_or_id,
                                            const std::vector<std::string>& descriptors) override;
  std::string latest_container() override;
  std::string container_id(const std::string& name_or_id) override;
  std::string attach_socket(const std::string& name_or_id) override;
  // ps queries (container_size.cpp).
  ContainerSize container_size(const std::string& name_or_id) override;
  // Exec sessions (exec.cpp).
  std::string exec(const std::string& name_or_id, const container::ExecOptions& options) override;
  std::optional<int> exec_exit_code(const std::string& name_or_id,
                                    const std::string& session) override;
  void exec_finished(const std::string& name_or_id, const std::string& session,
                     int exit_code) override;
  // Detached exec sessions (exec_cleanup.cpp).
  void exec_cleanup(const std::string& name_or_id, const std::string& session,
                    int exit_code) override;
  std::string healthcheck_run(const std::string& name_or_id) override;
  // Volumes (volumes.cpp).
  std::string volume_create(const VolumeCreateRequest& request) override;
  std::vector<VolumeReport> list_volumes(const std::vector<std::string>& filters) override;
  VolumeReport inspect_volume(const std::string& name) override;
  void volume_remove(const std::string& name, bool force, std::optional<int> timeout) override;
  std::vector<std::string> volume_prune(const std::vector<std::string>& filters) override;
  bool volume_exists(const std::string& name) override;
  std::vector<std::string> anonymous_volumes(const std::string& name_or_id) override;

  // Secrets (secrets.cpp).
  // Parses --secret values and resolves each secret's name to its ID.
  std::vector<secret::SecretUse> resolve_secrets(const std::vector<std::string>& values);
  std::string secret_create(const SecretCreateRequest& request) override;
  std::vector<SecretReport> list_secrets(const std::vector<std::string>& filters) override;
  SecretReport inspect_secret(const std::string& name_or_id, bool with_data) override;
  std::string secret_remove(const std::string& name_or_id) override;
  bool secret_exists(const std::string& name_or_id) override;

  // Networks (networks.cpp).
  std::vector<network::Network> list_networks(const std::vector<std::string>& filters) override;
  network::Network inspect_network(const std::string& name_or_id) override;
  // Network administration (network_admin.cpp).
  network::Network network_create(const NetworkCreateRequest& request) override;
  void network_remove(const std::string& name_or_id, bool force,
                      std::optional<int> timeout) override;
  std::vector<std::string> network_prune(const std::vector<std::string>& filters) override;
  void network_connect(const NetworkConnectRequest& request) override;
  void network_disconnect(const std::string& network, const std::string& container,
                          bool force) override;
  // Lifecycle commands (container_state.cpp).
  std::vector<container::PublishedPort> container_ports(const std::string& name_or_id) override;
  void rename_container(const std::string& name_or_id, const std::string& new_name) override;
  void pause(const std::string& name_or_id) override;
  void unpause(const std::string& name_or_id) override;
  void restart(const std::string& name_or_id, std::optional<int> timeout) override;
  void init(const std::string& name_or_id) override;
  container::ContainerStats stats(const std::string& name_or_id) override;
  std::string mount_container(const std::string& name_or_id) override;
  void unmount_container(const std::string& name_or_id, bool force) override;
  std::vector<MountedContainer> mounted_containers() override;
  // Events and system commands (events.cpp, system.cpp, system_info.cpp).
  void read_events(const EventsRequest& request,
                   const std::function<bool(const state::EventRecord&)>& sink) override;
  nlohmann::ordered_json system_info() override;
  DiskUsageReport disk_usage() override;
  void system_reset() override;
  int system_migrate(const std::string& new_runtime) override;
  void cleanup(const std::string& id, std::optional<int> exit_code,
               const std::string& start_token, bool by_monitor = false) override;
  // Pods (pods.cpp).
  std::string pod_create(const PodCreateRequest& request, PullProgress& progress) override;
  std::vector<PodReport> list_pods(const std::vector<std::string>& filters) override;
  PodReport inspect_pod(const std::string& name_or_id) override;
  bool pod_exists(const std::string& name_or_id) override;
  std::string pod_start(const std::string& name_or_id) override;
  std::string pod_stop(const std::string& name_or_id, std::optional<int> timeout) override;
  std::string pod_restart(const std::string& name_or_id) override;
  std::string pod_kill(const std::string& name_or_id, const std::string& signal) override;
  std::string pod_pause(const std::string& name_or_id) override;
  std::string pod_unpause(const std::string& name_or_id) override;
  std::string pod_remove(const std::string& name_or_id, bool force,
                         std::optional<int> timeout) override;
  std::vector<std::string> pod_prune() override;
  // Building images (build.cpp).
  std::string build(const BuildRequest& request,
                    const std::function<void(std::string_view)>& output,
                    PullProgress& progress) override;

 private:
  const config::RegistriesConfig& registries();
  // Finds a local image by ID, ID prefix, full name or short name.
  std::optional<state::ImageRecord> find_image(const std::string& name_or_id);
  state::ImageRecord require_image(const std::string& name_or_id);
  std::string pull_one(const struct PullTarget& target, const PullRequest& request,
                       PullProgress& progress);
  void remove_unused_layers();
  // Uploads the plan's layers, config and manifest; returns the manifest digest.
  std::string push_to(const struct PushPlan& plan, const RegistryAccess& access,
                      PullProgress& progress);
  // Pushes a local image as an instance of a manifest list: to dest's
  // repository under its manifest digest, in its pulled manifest type.
  // Returns that digest, which differs from the stored manifest's when a
  // layer had to be compressed again.
  std::string push_instance(const state::ImageRecord& record, const image::Reference& dest,
                            const RegistryAccess& access, PullProgress& progress);
  // Manifest lists (manifest.cpp): the local list named list, or
  // Error{kNotFound} / Error{kInvalidArgument} for a name that is no list.
  state::ImageRecord require_manifest_list(const std::string& list);
  // Runs `push` of a manifest list as manifest_push with --all.
  std::string push_manifest_list(const PushRequest& request, PullProgress& progress);
  // Returns image itself unless it is a manifest list, else the local image
  // of its entry for platform (the host's when unset). Throws
  // Error{kNotFound} when that image is not in local storage.
  state::ImageRecord resolve_list_instance(const state::ImageRecord& image,
                                           const std::string& name,
                                           const std::optional<image::Platform>& platform);
  // Trust (trust.cpp). Enforces the signature policy (policy_flag, or the
  // default policy.json) on an image about to be pulled as ref whose
  // manifest has manifest_digest; throws Error{kPermissionDenied} when the
  // policy rejects it, before anything is stored.
  void enforce_pull_policy(const image::Reference& ref, const std::string& manifest_digest,
                           const std::string& policy_flag);
  // Checks the policy of the local image being pushed (transport
  // containers-storage), as Podman does for a push's source image, and with
  // --sign-by that dest's lookaside staging store is a file:// URL.
  void check_push_trust(const PushRequest& request, const image::Reference& dest);
  // Signs the pushed manifest (dest, manifest_digest) with request.sign_by
  // and writes the signature to dest's lookaside staging store.
  void sign_pushed_image(const PushRequest& request, const image::Reference& dest,
                         const std::string& manifest_digest, PullProgress& progress);
  // Removes names (all when empty) from image id in one transaction and
  // returns them; name_or_id is what the user typed, for messages.
  std::vector<std::string> remove_image_names(const std::string& id, const std::string& name_or_id,
                                              const std::vector<std::string>& names);

  // Volumes (volumes.cpp): parses the mount flags of request (and the
  // image's VOLUME entries) into config.volumes, creating the named and
  // anonymous volumes they need, and returns the names of those it created.
  // Throws Error{kInvalidArgument} for a bad spec or a repeated destination.
  std::vector<std::string> resolve_mounts(const CreateRequest& request,
                                          const nlohmann::json& image_config,
                                          container::ContainerConfig& config);

  container::Context ctx_;
  std::optional<config::RegistriesConfig> registries_;
};

}  // namespace berth::engine
