#include "image/registry_client.hpp"

#include <algorithm>
#include <filesystem>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "image/registry_errors.hpp"
#include "os/file.hpp"

namespace berth::image {

namespace {

constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr std::size_t kMaxManifestSize = 4 << 20;

std::string endpoint_for(const std::string& registry) {
  return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

std::vector<std::filesystem::path> sorted_files(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Adds the CA certificates and the client certificate of one certs.d
// directory, laid out as Podman and Docker expect: *.crt are CAs, and each
// NAME.cert needs a NAME.key beside it.
void load_cert_dir(const std::string& dir, TlsOptions& tls, std::string& extra_cas) {
  for (const std::filesystem::path& file : sorted_files(dir)) {
    std::string extension = file.extension().string();
    if (extension == ".crt") {
      SPDLOG_DEBUG("using CA certificate {}", file.string());
      extra_cas += os::read_file(file.string());
      extra_cas += "\n";
    } else if (extension == ".cert") {
      std::filesystem::path key = file;
      key.replace_extension(".key");
      if (!std::filesystem::exists(key)) {
        fail(ErrorCode::kInvalidArgument,
             "client certificate {} has no private key {}; add the key or remove the certificate",
             file.string(), key.string());
      }
      tls.client_cert_path = file.string();
      tls.client_key_path = key.string();
    }
  }
}

TlsOptions tls_options(const std::string& registry, const RegistryOptions& options) {
  TlsOptions tls;
  const config::RegistriesConfig::Registry* entry =
      options.registries ? options.registries->find(registry) : nullptr;
  tls.verify = options.tls_verify.value_or(entry == nullptr || !entry->insecure);

  std::vector<std::string> dirs;
  if (!options.cert_dir.empty()) {
    dirs.push_back(options.cert_dir);
  } else {
    dirs.push_back("/etc/containers/certs.d/" + registry);
    dirs.push_back("/etc/docker/certs.d/" + registry);
  }
  std::string extra_cas;
  for (const std::string& dir : dirs) load_cert_dir(dir, tls, extra_cas);
  if (!extra_cas.empty()) {
    // libcurl takes one CA source, so the system bundle goes in the same blob.
    tls.ca_pem = os::read_file_if_exists(kSystemCaBundle).value_or("") + "\n" + extra_cas;
  }
  return tls;
}

HttpRequest request_for(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

std::string media_type_of(const HttpResponse& response) {
  std::string content_type = response.header("content-type");
  return content_type.substr(0, content_type.find(';'));
}

}  // namespace

RegistryClient::RegistryClient(std::string registry, RegistryOptions options)
    : registry_(std::move(registry)),
      endpoint_(endpoint_for(registry_)),
      options_(std::move(options)) {
  if (options_.registries != nullptr) {
    const auto* entry = options_.registries->find(registry_);
    if (entry != nullptr && entry->blocked) {
      fail(ErrorCode::kPermissionDenied,
           "registry \"{}\" is blocked in registries.conf (prefix \"{}\")", registry_,
           entry->prefix);
    }
  }
  tls_ = tls_options(registry_, options_);
}

RegistryClient::~RegistryClient() = default;

std::unique_ptr<RegistryClient> RegistryClient::clone() const {
  auto copy = std::make_unique<RegistryClient>(registry_, options_);
  copy->endpoint_ = endpoint_;
  copy->tls_ = tls_;
  copy->base_url_ = base_url_;
  copy->challenge_ = challenge_;
  copy->tokens_ = tokens_;
  return copy;
}

HttpResponse RegistryClient::perform_with_retry(const HttpRequest& request) {
  const RetryPolicy& policy = options_.retry;
  const int max_retries = request.method == "PATCH" ? 0 : policy.max_retries;
  for (int retry = 1;; ++retry) {
    HttpResponse response = session_.perform(request, tls_);
    if (retry > max_retries || !is_transient_failure(response)) return response;
    wait_before_retry(policy, retry, request, response);
    if (request.on_resend) request.on_resend();
  }
}

// Pings /v2/ to choose the scheme and learn the auth challenge early. The
// ping is sent again while it fails with a transient transport error.
void RegistryClient::connect() {
  if (!base_url_.empty()) return;
  std::string https_url = "https://" + endpoint_ + "/v2/";
  HttpResponse response;
  std::string base;
  for (int retry = 1;; ++retry) {
    response = session_.get(request_for(https_url), tls_);
    base = "https://" + endpoint_;
    if (!response.transport_error.empty() && !tls_.verify) {
      SPDLOG_DEBUG("pinging {} failed ({}), trying plain HTTP", https_url,
                   response.transport_error);
      HttpResponse plain = session_.get(request_for("http://" + endpoint_ + "/v2/"), tls_);
      if (plain.transport_error.empty()) {
        response = std::move(plain);
        base = "http://" + endpoint_;
      }
    }
    bool transient = !response.transport_error.empty() && is_transient_failure(response);
    if (!transient || retry > options_.retry.max_retries) break;
    wait_before_retry(options_.retry, retry, request_for(https_url), response);
  }
  if (!response.transport_error.empty()) {
    std::string hint;
    if (response.tls_error && tls_.verify) {
      hint = fmt::format(
          "; if the registry serves plain HTTP or a self-signed certificate, pass "
          "--tls-verify=false, or put its CA certificate in /etc/containers/certs.d/{}/ca.crt",
          registry_);
    }
    fail(ErrorCode::kUnavailable, "pinging registry {} at {}: {}{}", registry_, https_url,
         response.transport_error, hint);
  }
  base_url_ = base;
  if (response.status == 401) {
    challenge_ = choose_challenge(response.header_values("www-authenticate"));
  }
  SPDLOG_DEBUG("registry {} reached at {}", registry_, base_url_);
}

void RegistryClient::fail_unauthorized(const HttpResponse& response) const {
  std::string reason =
      options_.username ? "invalid username or password" : "authentication required";
  fail(ErrorCode::kUnauthorized, "authenticating to registry \"{}\": {} ({} Unauthorized)",
       registry_, reason, response.status);
}

// Fails for a 401 to a token issued for scope. The credentials are valid, but
// they lack the access, such as push to the repository.
void RegistryClient::fail_access_denied(const HttpResponse& response,
                                        const std::string& scope) const {
  RegistryError error = parse_registry_error(response.body);
  std::string reason = error.message.empty() ? "access denied" : error.message;
  fail(ErrorCode::kUnauthorized,
       "authenticating to registry \"{}\" for \"{}\": {} ({} Unauthorized); check that the "
       "user may access the repository",
       registry_, scope, reason, response.status);
}

std::string RegistryClient::fetch_token(const std::string& scope) {
  std::string realm = challenge_->param("realm");
  if (!realm.starts_with("https://") && !realm.starts_with("http://")) {
    fail(ErrorCode::kUnavailable, "registry {} sent an invalid token realm \"{}\"", registry_,
         realm);
  }
  HttpRequest request = request_for(token_url(realm, challenge_->param("service"), scope));
  if (options_.username) {
    request.headers.push_back(
        "Authorization: " +
        basic_authorization(*options_.username, options_.password.value_or("")));
  }
  HttpResponse response = perform_with_retry(request);
  if (!response.transport_error.empty()) {
    fail(ErrorCode::kUnavailable, "requesting a token from {}: {}", realm,
         response.transport_error);
  }
  if (response.status == 401 || response.status == 403) fail_unauthorized(response);
  if (!response.ok()) fail_registry_response(response, "requesting a token from " + realm);
  return with_context(fmt::format("requesting a token from {}", realm),
                      [&] { return parse_token_response(response.body); });
}

// Returns the Authorization header value for the current challenge, or
// nullopt when the registry asked for none or there is nothing to send.
std::optional<std::string> RegistryClient::authorization(const std::string& scope) {
  if (!challenge_) return std::nullopt;
  if (challenge_->scheme == "basic") {
    if (!options_.username) return std::nullopt;
    return basic_authorization(*options_.username, options_.password.value_or(""));
  }
  for (const auto& [granted, token] : tokens_) {
    if (scope_covers(granted, scope)) return "Bearer " + token;
  }
  std::string token = fetch_token(scope);
  tokens_[scope] = token;
  return "Bearer " + token;
}

HttpResponse RegistryClient::get(const std::string& repository, const std::string& path,
                                 HttpRequest request) {
  request.method = "GET";
  request.url = path;
  return send("repository:" + repository + ":pull", std::move(request));
}

HttpResponse RegistryClient::send(const std::string& scope, HttpRequest request) {
  connect();
  if (request.url.starts_with("/")) request.url = base_url_ + request.url;
  // An upload Location may name other storage, which must not get the token.
  // NOTE: a registry that names itself under another host name in Location
  // (such as "localhost" for 127.0.0.1) gets no credentials there either.
  const bool same_origin = request.url.starts_with(base_url_ + "/");
  const std::vector<std::string> headers = request.headers;
  for (int attempt = 0;; ++attempt) {
    request.headers = headers;
    std::optional<std::string> auth = same_origin ? authorization(scope) : std::nullopt;
    if (auth) request.headers.push_back("Authorization: " + *auth);

    HttpResponse response = perform_with_retry(request);
    if (!response.transport_error.empty()) {
      fail(ErrorCode::kUnavailable, "{} {}: {}", request.method, request.url,
           response.transport_error);
    }
    if (response.status != 401) return response;

    // A second 401, or a Basic 401 to the credentials just sent, is final. A
    // 401 to a token the token server issued means the access is denied.
    bool sent_basic = auth && challenge_ && challenge_->scheme == "basic";
    bool sent_token = auth && challenge_ && challenge_->scheme == "bearer";
    if (attempt > 0 && sent_token) fail_access_denied(response, scope);
    if (attempt > 0 || sent_basic || !same_origin) fail_unauthorized(response);
    std::optional<AuthChallenge> next =
        choose_challenge(response.header_values("www-authenticate"));
    if (!next && sent_token) fail_access_denied(response, scope);
    if (!next) fail_unauthorized(response);
    challenge_ = std::move(next);
    std::erase_if(tokens_, [&](const auto& entry) { return scope_covers(entry.first, scope); });
  }
}

FetchedManifest RegistryClient::get_manifest(const std::string& repository,
                                             const std::string& reference) {
  bool by_digest = reference.find(':') != std::string::npos;
  std::string subject =
      fmt::format("{}/{}{}{}", registry_, repository, by_digest ? "@" : ":", reference);
  if (by_digest && Digest::parse(reference).algorithm != "sha256") {
    fail(ErrorCode::kInvalidArgument, "cannot verify digest \"{}\": only sha256 is supported",
         reference);
  }

  HttpRequest request;
  request.headers.push_back("Accept: " + manifest_accept_header());
  request.max_body = kMaxManifestSize;
  HttpResponse response =
      get(repository, "/v2/" + repository + "/manifests/" + reference, std::move(request));
  if (!response.ok()) fail_registry_response(response, subject);

  FetchedManifest manifest;
  manifest.digest = sha256_digest(response.body);
  if (by_digest && manifest.digest != reference) {
    fail(ErrorCode::kDigestMismatch, "manifest {}: content has digest {}", subject,
         manifest.digest);
  }
  manifest.media_type = with_context(fmt::format("reading manifest {}", subject), [&] {
    return detect_manifest_media_type(response.body, media_type_of(response));
  });
  manifest.body = std::move(response.body);
  return manifest;
}

}  // namespace berth::image
