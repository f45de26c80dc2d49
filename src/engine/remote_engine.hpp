#pragma once

// Remote client: the Engine that sends each request to a berth (or Podman)
// REST service through its libpod API, for --remote, --url and
// --connection. Results come back in the same structs and errors with the
// same codes as from LocalEngine, so the CLI prints the same output.

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/client.hpp"
#include "engine/engine.hpp"
#include "engine/wait_states.hpp"

namespace berth::engine {

class RemoteEngine : public Engine, public StateWaiter {
 public:
  // Connects through transport (see api::make_transport). url is shown in
  // messages.
  RemoteEngine(std::unique_ptr<api::Transport> transport, std::string url);
  // Waits for the attach relays that are still running.
  ~RemoteEngine() override;

  // Images (remote_engine.cpp).
  std::string pull(const PullRequest& request, PullProgress& progress) override;
  std::vector<ImageSummary> list_images() override;
  nlohmann::json inspect_image(const std::string& name_or_id) override;
  bool image_exists(const std::string& name_or_id) override;

  // Containers (remote_engine.cpp).
  std::string create(const CreateRequest& request, PullProgress& progress) override;
  // With options.attach_fd, relays the container's output to it in the
  // monitor's attach protocol (see remote_attach.cpp).
  void start(const std::string& name_or_id, const container::StartOptions& options) override;
  void stop(const std::string& name_or_id, std::optional<int> timeout) override;
  void kill(const std::string& name_or_id, const std::string& signal) override;
  void remove(const std::string& name_or_id, bool force) override;
  void restart(const std::string& name_or_id, std::optional<int> timeout) override;
  int wait(const std::string& name_or_id) override;
  // keep_going is not asked: the wait is one request to the service.
  int wait_for(const std::string& name_or_id, container::WaitCondition condition,
               const std::function<bool()>& keep_going = {}) override;
  // One libpod wait request with the conditions and the interval; the
  // service polls.
  int wait_for_states(const std::string& name_or_id, const std::vector<std::string>& conditions,
                      std::int64_t interval_ns) override;
  std::vector<ContainerSummary> list_containers(bool all) override;
  nlohmann::json inspect_container(const std::string& name_or_id) override;
  void logs(const std::vector<std::string>& names_or_ids, const container::LogOptions& options,
            int stdout_fd, int stderr_fd) override;
  // Throws Error{kInvalidArgument}: --latest does not exist in remote mode,
  // as in Podman.
  std::string latest_container() override;
  std::string container_id(const std::string& name_or_id) override;
  // Returns a unix socket in a private directory that serves one attach
  // client in the monitor's protocol, relayed to the service.
  std::string attach_socket(const std::string& name_or_id) override;

  // Exec sessions (remote_attach.cpp). The session ID is the service's
  // exec ID.
  std::string exec(const std::string& name_or_id, const container::ExecOptions& options) override;
  std::optional<int> exec_exit_code(const std::string& name_or_id,
                                    const std::string& session) override;
  // Does nothing: the service ends the session itself.
  void exec_finished(const std::string& name_or_id, const std::string& session,
                     int exit_code) override;

  // Events and system (remote_engine.cpp).
  nlohmann::ordered_json system_info() override;
  // Does nothing: the service's monitor cleans up its containers.
  void cleanup(const std::string& id, std::optional<int> exit_code, const std::string& start_token,
               bool by_monitor) override;

  // Images (remote_images.cpp). push and search reject --creds,
  // --cert-dir and --authfile, which the service cannot use.
  std::string push(const PushRequest& request, PullProgress& progress) override;
  ImageRemoveReport remove_image(const std::string& name_or_id, bool force) override;
  void tag_image(const std::string& name_or_id, const std::vector<std::string>& names) override;
  std::vector<std::string> untag_image(const std::string& name_or_id, const std::vector<std::string>& names) override;
  std::vector<ImageHistoryEntry> image_history(const std::string& name_or_id) override;
  std::vector<std::string> prune_images(const ImagePruneRequest& request) override;
  std::vector<SearchResult> search(const SearchRequest& request) override;

  // Volumes and networks (remote_volumes_networks.cpp).
  std::string volume_create(const VolumeCreateRequest& request) override;
  std::vector<VolumeReport> list_volumes(const std::vector<std::string>& filters) override;
  VolumeReport inspect_volume(const std::string& name) override;
  void volume_remove(const std::string& name, bool force, std::optional<int> timeout) override;
  std::vector<std::string> volume_prune(const std::vector<std::string>& filters) override;
  bool volume_exists(const std::string& name) override;
  std::vector<network::Network> list_networks(const std::vector<std::string>& filters) override;
  network::Network inspect_network(const std::string& name_or_id) override;
  network::Network network_create(const NetworkCreateRequest& request) override;
  void network_remove(const std::string& name_or_id, bool force,
                      std::optional<int> timeout) override;
  std::vector<std::string> network_prune(const std::vector<std::string>& filters) override;
  void network_connect(const NetworkConnectRequest& request) override;
  void network_disconnect(const std::string& network, const std::string& container,
                          bool force) override;

  // Events (remote_events.cpp): the pod ID of each record stays empty.
  void read_events(const EventsRequest& request, const std::function<bool(const state::EventRecord&)>& sink) override;

  // Pods (remote_pods.cpp).
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
  // Building images (remote_build.cpp): the context directory is sent as
  // a tar, without what .containerignore or .dockerignore leaves out.
  std::string build(const BuildRequest& request,
                    const std::function<void(std::string_view)>& output,
                    PullProgress& progress) override;

  // Container operations (remote_container_ops.cpp).
  std::vector<std::vector<std::string>> top(const std::string& name_or_id, const std::vector<std::string>& descriptors) override;
  void rename_container(const std::string& name_or_id, const std::string& new_name) override;
  void pause(const std::string& name_or_id) override;
  void unpause(const std::string& name_or_id) override;
  void init(const std::string& name_or_id) override;
  std::vector<ImageChange> container_diff(const std::string& name_or_id) override;

  // Not supported yet: each throws Error{kUnavailable} "berth --remote:
  // COMMAND is not supported yet" (remote_unsupported.cpp).
  std::vector<ImageChange> image_diff(const std::string& name_or_id) override;
  std::vector<ImageChange> image_diff(const std::string& name_or_id, const std::string& base) override;
  ImageTreeReport image_tree(const std::string& name_or_id, bool whatrequires) override;
  void save(const SaveRequest& request, int output_fd, PullProgress& progress) override;
  std::vector<std::string> load(const std::string& input, int input_fd, PullProgress& progress) override;
  std::string manifest_create(const ManifestCreateRequest& request) override;
  std::string manifest_add(const ManifestAddRequest& request) override;
  std::string manifest_annotate(const ManifestAnnotateRequest& request) override;
  std::string manifest_remove(const std::string& list, const std::string& digest) override;
  nlohmann::ordered_json manifest_inspect(const std::string& list, const RegistryAccess& access) override;
  bool manifest_exists(const std::string& list) override;
  ImageRemoveReport manifest_rm(const std::string& list) override;
  std::string manifest_push(const ManifestPushRequest& request, ManifestPushProgress& progress) override;
  std::string commit(const CommitRequest& request, PullProgress& progress) override;
  void export_container(const std::string& name_or_id, int output_fd) override;
  std::string import_image(const ImportRequest& request, int input_fd, PullProgress& progress) override;
  void copy(const CopyRequest& request, int stream_fd) override;
  std::string trust_policy_path(const std::string& policy_path) override;
  std::string trust_policy_text(const std::string& policy_path) override;
  std::vector<TrustEntry> show_trust(const std::string& policy_path) override;
  void set_trust(const TrustSetRequest& request) override;
  ContainerSize container_size(const std::string& name_or_id) override;
  void exec_cleanup(const std::string& name_or_id, const std::string& session, int exit_code) override;
  std::string healthcheck_run(const std::string& name_or_id) override;
  std::vector<std::string> anonymous_volumes(const std::string& name_or_id) override;
  std::string secret_create(const SecretCreateRequest& request) override;
  std::vector<SecretReport> list_secrets(const std::vector<std::string>& filters) override;
  SecretReport inspect_secret(const std::string& name_or_id, bool with_data) override;
  std::string secret_remove(const std::string& name_or_id) override;
  bool secret_exists(const std::string& name_or_id) override;
  std::vector<container::PublishedPort> container_ports(const std::string& name_or_id) override;
  container::ContainerStats stats(const std::string& name_or_id) override;
  std::string mount_container(const std::string& name_or_id) override;
  void unmount_container(const std::string& name_or_id, bool force) override;
  std::vector<MountedContainer> mounted_containers() override;
  DiskUsageReport disk_usage() override;
  void system_reset() override;
  int system_migrate(const std::string& new_runtime) override;

 private:
  // Throws the "not supported yet" error for command.
  [[noreturn]] void unsupported(const std::string& command) const;
  // start with an attach_fd (remote_attach.cpp).
  void start_attached(const std::string& name_or_id, const container::StartOptions& options);
  // Runs relay on a thread that the destructor joins.
  void start_relay(std::function<void()> relay);

  api::Client client_;
  std::string url_;
  std::mutex relays_mutex_;
  std::vector<std::thread> relays_;  // guarded by relays_mutex_
  std::vector<std::string> private_dirs_;  // attach socket directories; guarded by relays_mutex_
};

// The libpod path prefix of the API version berth speaks.
inline constexpr const char* kLibpodPrefix = "/v5.0.0/libpod";

}  // namespace berth::engine
