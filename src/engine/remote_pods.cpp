// Pods through the service.

#include "engine/remote_engine.hpp"

namespace berth::engine {

// Until the pod routes land, the remote engine reports pods as unavailable.
std::string RemoteEngine::pod_create(const PodCreateRequest& r, PullProgress& p) { return Engine::pod_create(r, p); }
std::vector<PodReport> RemoteEngine::list_pods(const std::vector<std::string>& f) { return Engine::list_pods(f); }
PodReport RemoteEngine::inspect_pod(const std::string& n) { return Engine::inspect_pod(n); }
bool RemoteEngine::pod_exists(const std::string& n) { return Engine::pod_exists(n); }
std::string RemoteEngine::pod_start(const std::string& n) { return Engine::pod_start(n); }
std::string RemoteEngine::pod_stop(const std::string& n, std::optional<int> t) { return Engine::pod_stop(n, t); }
std::string RemoteEngine::pod_restart(const std::string& n) { return Engine::pod_restart(n); }
std::string RemoteEngine::pod_kill(const std::string& n, const std::string& s) { return Engine::pod_kill(n, s); }
std::string RemoteEngine::pod_pause(const std::string& n) { return Engine::pod_pause(n); }
std::string RemoteEngine::pod_unpause(const std::string& n) { return Engine::pod_unpause(n); }
std::string RemoteEngine::pod_remove(const std::string& n, bool f, std::optional<int> t) { return Engine::pod_remove(n, f, t); }
std::vector<std::string> RemoteEngine::pod_prune() { return Engine::pod_prune(); }

}  // namespace berth::engine
