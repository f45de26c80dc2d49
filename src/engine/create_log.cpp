#include "engine/create_log.hpp"

#include "common/error.hpp"
#include "config/containers_conf.hpp"
#include "os/file.hpp"

namespace berth::engine {

namespace {

// The socket of systemd-journald for native-protocol records.
constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

}  // namespace

container::LogConfig resolve_log_config(const CreateRequest& request) {
  auto conf = config::ContainersConf::load();
  container::LogConfig defaults;
  if (conf.log_driver && !conf.log_driver->empty()) {
    // A bad containers.conf value fails here with the value named.
    defaults = container::parse_log_config(*conf.log_driver, {}, defaults);
  }
  if (conf.log_size_max) defaults.max_size = *conf.log_size_max <= 0 ? -1 : *conf.log_size_max;
  if (conf.log_tag) defaults.tag = *conf.log_tag;
  auto log = container::parse_log_config(request.log_driver, request.log_opts, defaults);
  // Podman fails the create too when no journal runs.
  if (log.driver == container::kJournaldDriver && !os::path_exists(kJournalSocket)) {
    fail(ErrorCode::kUnavailable,
         "the journald log driver needs a running systemd-journald: {} does not exist; use "
         "--log-driver k8s-file",
         kJournalSocket);
  }
  return log;
}

}  // namespace berth::engine
