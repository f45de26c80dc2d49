#include "engine/registry_access.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/auth_file.hpp"
#include "os/file.hpp"

namespace berth::engine {

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
  return options;
}

}  // namespace berth::engine
