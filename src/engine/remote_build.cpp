// Building images through the service.

#include "engine/remote_engine.hpp"

namespace berth::engine {

// Until the build route lands, the remote engine reports build as unavailable.
std::string RemoteEngine::build(const BuildRequest& r, const std::function<void(std::string_view)>& o,
                                PullProgress& p) {
  return Engine::build(r, o, p);
}

}  // namespace berth::engine
