// Building images: the engine's build command.

#include "common/error.hpp"
#include "engine/engine.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

// Engines without a builder report it as unavailable.
std::string Engine::build(const BuildRequest&, const std::function<void(std::string_view)>&,
                          PullProgress&) {
  fail(ErrorCode::kUnavailable, "build is not supported by this engine");
}

// Until the builder lands, the local engine reports build as unavailable.
std::string LocalEngine::build(const BuildRequest& r, const std::function<void(std::string_view)>& o,
                               PullProgress& p) {
  return Engine::build(r, o, p);
}

}  // namespace berth::engine
