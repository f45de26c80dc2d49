// Pods: the engine's pod commands.

#include "common/error.hpp"
#include "engine/engine.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

// Engines without pods report them as unavailable.
std::string Engine::pod_create(const PodCreateRequest&, PullProgress&) {
  fail(ErrorCode::kUnavailable, "pod create is not supported by this engine");
}
std::vector<PodReport> Engine::list_pods(const std::vector<std::string>&) {
  fail(ErrorCode::kUnavailable, "pod ps is not supported by this engine");
}
PodReport Engine::inspect_pod(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod inspect is not supported by this engine");
}
bool Engine::pod_exists(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod exists is not supported by this engine");
}
std::string Engine::pod_start(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod start is not supported by this engine");
}
std::string Engine::pod_stop(const std::string&, std::optional<int>) {
  fail(ErrorCode::kUnavailable, "pod stop is not supported by this engine");
}
std::string Engine::pod_restart(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod restart is not supported by this engine");
}
std::string Engine::pod_kill(const std::string&, const std::string&) {
  fail(ErrorCode::kUnavailable, "pod kill is not supported by this engine");
}
std::string Engine::pod_pause(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod pause is not supported by this engine");
}
std::string Engine::pod_unpause(const std::string&) {
  fail(ErrorCode::kUnavailable, "pod unpause is not supported by this engine");
}
std::string Engine::pod_remove(const std::string&, bool, std::optional<int>) {
  fail(ErrorCode::kUnavailable, "pod rm is not supported by this engine");
}
std::vector<std::string> Engine::pod_prune() {
  fail(ErrorCode::kUnavailable, "pod prune is not supported by this engine");
}

// Until the pod domain lands, the local engine reports pods as unavailable.
std::string LocalEngine::pod_create(const PodCreateRequest& r, PullProgress& p) { return Engine::pod_create(r, p); }
std::vector<PodReport> LocalEngine::list_pods(const std::vector<std::string>& f) { return Engine::list_pods(f); }
PodReport LocalEngine::inspect_pod(const std::string& n) { return Engine::inspect_pod(n); }
bool LocalEngine::pod_exists(const std::string& n) { return Engine::pod_exists(n); }
std::string LocalEngine::pod_start(const std::string& n) { return Engine::pod_start(n); }
std::string LocalEngine::pod_stop(const std::string& n, std::optional<int> t) { return Engine::pod_stop(n, t); }
std::string LocalEngine::pod_restart(const std::string& n) { return Engine::pod_restart(n); }
std::string LocalEngine::pod_kill(const std::string& n, const std::string& s) { return Engine::pod_kill(n, s); }
std::string LocalEngine::pod_pause(const std::string& n) { return Engine::pod_pause(n); }
std::string LocalEngine::pod_unpause(const std::string& n) { return Engine::pod_unpause(n); }
std::string LocalEngine::pod_remove(const std::string& n, bool f, std::optional<int> t) { return Engine::pod_remove(n, f, t); }
std::vector<std::string> LocalEngine::pod_prune() { return Engine::pod_prune(); }

}  // namespace berth::engine
