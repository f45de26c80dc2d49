// Remote client: the Engine methods RemoteEngine does not send to the
// service yet. Each throws one clear error instead of doing part of the
// work.

#include "common/error.hpp"
#include "engine/remote_engine.hpp"

namespace berth::engine {

void RemoteEngine::unsupported(const std::string& command) const {
  fail(ErrorCode::kUnavailable, "berth --remote: {} is not supported yet", command);
}

ImageTreeReport RemoteEngine::image_tree(const std::string& name_or_id, bool whatrequires) {
  unsupported("image tree");
}

void RemoteEngine::copy(const CopyRequest& request, int stream_fd) {
  unsupported("cp");
}

std::string RemoteEngine::trust_policy_path(const std::string& policy_path) {
  unsupported("image trust");
}

std::string RemoteEngine::trust_policy_text(const std::string& policy_path) {
  unsupported("image trust");
}

std::vector<TrustEntry> RemoteEngine::show_trust(const std::string& policy_path) {
  unsupported("image trust");
}

void RemoteEngine::set_trust(const TrustSetRequest& request) {
  unsupported("image trust");
}

ContainerSize RemoteEngine::container_size(const std::string& name_or_id) {
  unsupported("ps --size");
}

void RemoteEngine::exec_cleanup(const std::string& name_or_id, const std::string& session, int exit_code) {
  unsupported("container cleanup");
}

std::string RemoteEngine::healthcheck_run(const std::string& name_or_id) {
  unsupported("healthcheck run");
}

std::vector<std::string> RemoteEngine::anonymous_volumes(const std::string& name_or_id) {
  unsupported("rm --volumes");
}

std::string RemoteEngine::secret_create(const SecretCreateRequest& request) {
  unsupported("secret create");
}

std::vector<SecretReport> RemoteEngine::list_secrets(const std::vector<std::string>& filters) {
  unsupported("secret ls");
}

SecretReport RemoteEngine::inspect_secret(const std::string& name_or_id, bool with_data) {
  unsupported("secret inspect");
}

std::string RemoteEngine::secret_remove(const std::string& name_or_id) {
  unsupported("secret rm");
}

bool RemoteEngine::secret_exists(const std::string& name_or_id) {
  unsupported("secret exists");
}

std::vector<container::PublishedPort> RemoteEngine::container_ports(const std::string& name_or_id) {
  unsupported("port");
}

container::ContainerStats RemoteEngine::stats(const std::string& name_or_id) {
  unsupported("stats");
}

std::string RemoteEngine::mount_container(const std::string& name_or_id) {
  unsupported("mount");
}

void RemoteEngine::unmount_container(const std::string& name_or_id, bool force) {
  unsupported("unmount");
}

std::vector<MountedContainer> RemoteEngine::mounted_containers() {
  unsupported("mount");
}

DiskUsageReport RemoteEngine::disk_usage() {
  unsupported("system df");
}

void RemoteEngine::system_reset() {
  unsupported("system reset");
}

int RemoteEngine::system_migrate(const std::string& new_runtime) {
  unsupported("system migrate");
}

}  // namespace berth::engine
