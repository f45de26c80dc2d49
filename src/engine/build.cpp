// Building images: the engine's build command.

#include "common/error.hpp"
#include "engine/build_steps.hpp"
#include "engine/engine.hpp"
#include "engine/local_engine.hpp"
#include "engine/registry_access.hpp"

namespace berth::engine {

// Engines without a builder report it as unavailable.
std::string Engine::build(const BuildRequest&, const std::function<void(std::string_view)>&,
                          PullProgress&) {
  fail(ErrorCode::kUnavailable, "build is not supported by this engine");
}

std::string LocalEngine::build(const BuildRequest& request,
                               const std::function<void(std::string_view)>& output,
                               PullProgress& progress) {
  // A missing --authfile or --cert-dir fails before any step, as in Podman,
  // not only when a FROM image needs a pull.
  RegistryAccess access;
  access.cert_dir = request.cert_dir;
  access.authfile = request.authfile;
  check_registry_access(access);
  BuildHooks hooks{*this, ctx_, [this](const std::string& name) { return find_image(name); }};
  return run_build(hooks, request, output, progress);
}

}  // namespace berth::engine
