// The logs command: reading the logs of one or more containers.

#include "container/logs.hpp"
#include "container/operations.hpp"
#include "engine/local_engine.hpp"

namespace berth::engine {

void LocalEngine::logs(const std::vector<std::string>& names_or_ids,
                       const container::LogOptions& options, int stdout_fd, int stderr_fd) {
  std::vector<state::ContainerRecord> records;
  for (const auto& name : names_or_ids) records.push_back(container::find(ctx_, name));
  container::write_logs(ctx_, records, options, stdout_fd, stderr_fd);
}

}  // namespace berth::engine
