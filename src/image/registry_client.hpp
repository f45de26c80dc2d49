#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "config/registries.hpp"
#include "image/http_session.hpp"
#include "image/manifest.hpp"
#include "image/registry_auth.hpp"

namespace berth::image {

struct RegistryOptions {
  // Whether to verify TLS. nullopt: verify unless registries.conf marks the
  // registry insecure. When verification is off, plain HTTP is tried after
  // HTTPS fails, as Podman does.
  std::optional<bool> tls_verify;
  std::optional<std::string> username;
  std::optional<std::string> password;
  // Directory with *.crt CA files and *.cert/*.key client certificate
  // pairs. "" means /etc/containers/certs.d/<registry> and
  // /etc/docker/certs.d/<registry>.
  std::string cert_dir;
  // Used for the insecure and blocked flags; may be null. Must outlive the
  // client.
  const config::RegistriesConfig* registries = nullptr;
};

struct FetchedManifest {
  std::string body;        // the exact bytes the registry sent
  std::string media_type;  // resolved even when Content-Type is missing or generic
  std::string digest;      // "sha256:" of body
};

// Called with the number of bytes received so far.
using BlobProgress = std::function<void(std::int64_t done)>;

// A client of one registry speaking the Docker Registry HTTP API v2 and the
// OCI distribution spec: pull only. It reuses one connection, pings the
// registry on first use, responds to Basic and Bearer challenges and caches
// bearer tokens per repository scope. Every method throws berth::Error:
// kUnavailable when the registry cannot be reached or fails, kUnauthorized
// when it rejects the credentials, kNotFound for unknown repositories,
// manifests and blobs, kDigestMismatch when content does not match its
// digest. Not thread-safe: use one client per thread.
class RegistryClient {
 public:
  // registry is "host[:port]" as written in references; "docker.io" is
  // served from registry-1.docker.io. Throws Error{kPermissionDenied} when
  // registries.conf blocks the registry.
  RegistryClient(std::string registry, RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const std::string& registry() const { return registry_; }

  // Fetches a manifest or index by tag or digest. When reference is a
  // digest the body is verified against it. Bodies over 4 MiB are rejected.
  FetchedManifest get_manifest(const std::string& repository, const std::string& reference);

  // Fetches a small blob (such as an image config) into memory, verified
  // against digest. Throws Error{kInvalidArgument} when it exceeds max_size.
  std::string get_blob_bytes(const std::string& repository, const std::string& digest,
                             std::size_t max_size = 16 << 20);

  // Streams a blob to dest_path: it is written to dest_path + ".partial",
  // checked against blob.size and blob.digest, fsynced and renamed to
  // dest_path. On any failure the partial file is removed and dest_path is
  // left untouched. progress may be empty.
  void get_blob_to_file(const std::string& repository, const Descriptor& blob,
                        const std::string& dest_path, const BlobProgress& progress = {});

 private:
  void connect();
  HttpResponse get(const std::string& repository, const std::string& path, HttpRequest request);
  std::optional<std::string> authorization(const std::string& scope);
  std::string fetch_token(const std::string& scope);
  [[noreturn]] void fail_unauthorized(const HttpResponse& response) const;

  std::string registry_;
  std::string endpoint_;  // host[:port] actually contacted
  RegistryOptions options_;
  TlsOptions tls_;
  HttpSession session_;
  std::string base_url_;  // "https://host[:port]" after connect(), else ""
  std::optional<AuthChallenge> challenge_;
  std::map<std::string, std::string> tokens_;  // bearer token per scope; secrets
};

}  // namespace berth::image
