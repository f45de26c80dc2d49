#include "engine/registry_access.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/auth_file.hpp"
#include "config/containers_conf.hpp"
#include "config/go_duration.hpp"
#include "os/file.hpp"

namespace berth::engine {

namespace {

// Podman's default number of retries for pull and push.
constexpr int kDefaultRetries = 3;

}  // namespace

void check_registry_access(const RegistryAccess& access) {
  if (!access.cert_dir.empty() && !os::path_exists(access.cert_dir)) {
    fail(ErrorCode::kNotFound, "certificate directory \"{}\" given with --cert-dir not found",
         access.cert_dir);
  }
  if (!access.authfile.empty() && !os::path_exists(access.authfile)) {
    fail(ErrorCode::kNotFound, "auth file \"{}\" given with --authfile not found",
         access.authfile);
  }
}

image::RegistryOptions registry_options(const RegistryAccess& access,
                                        const std::string& image_name,
                                        const config::RegistriesConfig& registries) {
  image::RegistryOptions options;
  options.tls_verify = access.tls_verify;
  options.username = access.username;
  options.password = access.password;
  if (!access.username) {
    auto env = config::AuthEnvironment::from_process();
    auto found =
        config::find_credentials(config::auth_read_sources(access.authfile, env), image_name);
    if (found) {
      SPDLOG_DEBUG("using credentials for {} from {}", image_name, found->path);
      options.username = found->credentials.username;
      options.password = found->credentials.password;
    }
  }
  options.cert_dir = access.cert_dir;
  options.registries = &registries;
  options.retry = retry_policy(access);
  return options;
}

image::RetryPolicy retry_policy(const RegistryAccess& access) {
  image::RetryPolicy policy;
  policy.max_retries = kDefaultRetries;
  std::optional<config::ContainersConf> conf;
  if (!access.retry || !access.retry_delay_ms) conf = config::ContainersConf::load();
  if (access.retry) {
    policy.max_retries = *access.retry;
  } else if (conf->retry) {
    policy.max_retries = static_cast<int>(*conf->retry);
  }
  if (access.retry_delay_ms) {
    policy.delay = std::chrono::milliseconds(*access.retry_delay_ms);
  } else if (conf->retry_delay_ns) {
    policy.delay = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(*conf->retry_delay_ns));
  }
  // Podman reports a retry as a warning, so it shows at the default log
  // level even with --quiet, and --log-level=error hides it.
  policy.on_retry = [](const image::RetryNotice& notice) {
    spdlog::warn("Failed, retrying in {} ... ({}/{}). Error: {}",
                 config::format_go_duration(notice.delay.count() * 1'000'000), notice.retry,
                 notice.max_retries, notice.error);
  };
  return policy;
}

}  // namespace berth::engine
