// Exec sessions and health checks of LocalEngine: adapters from names to
// container::exec and container::run_healthcheck.

#include "common/error.hpp"
#include "container/exec.hpp"
#include "container/health.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"
#include "events/events.hpp"
#include "os/file.hpp"

namespace berth::engine {

std::string LocalEngine::exec(const std::string& name_or_id,
                              const container::ExecOptions& options) {
  auto record = container::find(ctx_, name_or_id);
  return container::exec(ctx_, record, options);
}

std::optional<int> LocalEngine::exec_exit_code(const std::string& name_or_id,
                                               const std::string& session) {
  auto record = container::find(ctx_, name_or_id);
  std::string dir = ctx_.paths().exec_session_dir(record.id, session);
  if (auto text = os::read_file_if_exists(dir + "/exit")) {
    return std::atoi(text->c_str());
  }
  if (!os::path_exists(dir)) {
    fail(ErrorCode::kNotFound, "no exec session with ID \"{}\" in container \"{}\"", session,
         record.name);
  }
  return std::nullopt;
}

std::string LocalEngine::healthcheck_run(const std::string& name_or_id) {
  auto record = container::find(ctx_, name_or_id);
  std::string status = container::run_healthcheck(ctx_, record);
  events::write_health_status(ctx_.db(), record, status);
  return status;
}

void LocalEngine::exec_finished(const std::string& name_or_id, const std::string& session,
                                int exit_code) {
  auto record = container::find(ctx_, name_or_id);
  events::write_container(ctx_.db(), record, "exec_died", exit_code);
  // The session's monitor wrote its exit file before it sent the code, and
  // it runs no cleanup that needs the directory.
  os::remove_all(ctx_.paths().exec_session_dir(record.id, session));
}

}  // namespace berth::engine
