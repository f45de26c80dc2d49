// The end of a detached exec session: LocalEngine::exec_cleanup.

#include "common/log.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "events/events.hpp"

namespace berth::engine {

void LocalEngine::exec_cleanup(const std::string& name_or_id, const std::string& session,
                               int exit_code) {
  auto record = container::find(ctx_, name_or_id);
  spdlog::debug("exec session {} of container {} exited with {}", session, record.id, exit_code);
  events::write_container(ctx_.db(), record, "exec_died", exit_code);
}

}  // namespace berth::engine
