// Registry access, request bodies and file responses of the image routes.

#include "api/images_request.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api/exchange.hpp"
#include "api/images_auth.hpp"
#include "common/error.hpp"
#include "config/registries.hpp"
#include "image/reference.hpp"
#include "os/file.hpp"

namespace berth::api {

std::string reference_registry(const std::string& reference) {
  auto parsed = image::parse_reference(reference);
  return parsed.qualified ? parsed.ref.registry : "docker.io";
}

bool is_loopback_registry(std::string_view registry) {
  std::string_view host = registry;
  if (host.starts_with("[")) {
    host = host.substr(1, host.find(']') - 1);
    return host == "::1";
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.starts_with("127.");
}

std::optional<bool> docker_tls_verify(const std::string& registry) {
  if (!is_loopback_registry(registry)) return std::nullopt;
  auto registries = config::RegistriesConfig::load();
  if (registries.find(registry) != nullptr) return std::nullopt;
  return false;
}

std::optional<bool> request_tls_verify(Exchange& x, const std::string& registry) {
  if (x.query().has("tlsVerify")) return x.query().flag("tlsVerify", true);
  if (x.libpod()) return std::nullopt;
  return docker_tls_verify(registry);
}

engine::RegistryAccess request_registry_access(Exchange& x, const std::string& reference) {
  std::string registry = reference_registry(reference);
  engine::RegistryAccess access;
  access.tls_verify = request_tls_verify(x, registry);
  auto credentials =
      registry_credentials(x.header("X-Registry-Auth"), x.header("X-Registry-Config"), registry);
  if (credentials) {
    access.username = credentials->username;
    access.password = credentials->password;
  }
  return access;
}

os::Fd body_file(Exchange& x) {
  os::Fd file = anonymous_temp_file();
  x.read_body_to(file.get());
  if (::lseek(file.get(), 0, SEEK_SET) < 0) fail_errno(errno, "rewinding the request body");
  return file;
}

os::Fd anonymous_temp_file() {
  os::Fd file(::open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!file) fail_errno(errno, "creating a temporary file in /var/tmp");
  return file;
}

void reply_created(Exchange& x) {
  x.reply_text(boost::beast::http::status::created, "text/plain", "");
}

void stream_file(Exchange& x, int fd, std::string_view content_type) {
  if (::lseek(fd, 0, SEEK_SET) < 0) fail_errno(errno, "rewinding the response file");
  x.begin_stream(boost::beast::http::status::ok, content_type);
  std::string buffer(1 << 16, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!x.write_chunk(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) break;
  }
  x.end_stream();
}

}  // namespace berth::api
