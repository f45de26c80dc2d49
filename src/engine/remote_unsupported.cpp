// Remote client: the Engine methods RemoteEngine does not send to the
// service yet. Each throws one clear error instead of doing part of the
// work.

#include "common/error.hpp"
#include "engine/remote_engine.hpp"

namespace berth::engine {

void RemoteEngine::unsupported(const std::string& command) const {
  fail(ErrorCode::kUnavailable, "berth --remote: {} is not supported yet", command);
}

}  // namespace berth::engine
