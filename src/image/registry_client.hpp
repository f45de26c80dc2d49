#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/registries.hpp"
#include "image/http_session.hpp"
#include "image/manifest.hpp"
#include "image/registry_auth.hpp"
#include "image/retry.hpp"
#include "image/registry_search.hpp"

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
  // Retries of requests that fail for a reason that may pass. Every request
  // retries except a PATCH, which uploads a chunk the registry may have
  // stored in part.
  RetryPolicy retry;
};

struct FetchedManifest {
  std::string body;        // the exact bytes the registry sent
  std::string media_type;  // resolved even when Content-Type is missing or generic
  std::string digest;      // "sha256:" of body
};

// Called with the number of blob bytes received (or, on upload, sent) so far.
using BlobProgress = std::function<void(std::int64_t done)>;

// A client of one registry speaking the Docker Registry HTTP API v2 and the
// OCI distribution spec, for pull and push. It reuses one connection, pings
// the registry on first use and responds to Basic and Bearer challenges. It
// caches bearer tokens per scope ("repository:<name>:pull" to read,
// "repository:<name>:pull,push" to write), and a cached token serves every
// scope it covers.
//
// Every method throws berth::Error: kUnavailable when the registry
// cannot be reached or fails, kUnauthorized when it rejects the credentials
// or denies access, kPermissionDenied for HTTP 403, kNotFound for unknown
// repositories, manifests and blobs, kInvalidArgument when it rejects pushed
// content, kDigestMismatch when content does not match its digest. Not
// thread-safe: use one client per thread.
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

  // Returns a new client of the same registry with the same options and
  // the scheme, challenge and tokens learned so far, but its own connection,
  // for use on another thread.
  std::unique_ptr<RegistryClient> clone() const;

  // Checks the client's username and password against the registry: pings
  // /v2/ and authenticates to its challenge. Throws Error{kUnauthorized} with the
  // registry's message when they are rejected.
  void verify_credentials();

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

  // Returns whether the repository already has the blob (HEAD); never
  // downloads it. A repository that does not exist has no blobs.
  bool has_blob(const std::string& repository, const std::string& digest);

  // Asks the registry to mount the blob from another repository of the same
  // registry. Returns false when the registry rejects the mount and opens an
  // upload session instead, which is then cancelled.
  bool mount_blob(const std::string& repository, const std::string& digest,
                  const std::string& from_repository);

  // Uploads the blob read from fd (blob.size bytes from offset 0, known
  // digest), monolithically (POST then one PUT) when blob.size <= chunk_size,
  // else in chunks of chunk_size with PATCH and Content-Range, then PUT
  // ?digest=. A registry's OCI-Chunk-Min-Length raises chunk_size. The
  // registry must respond with 201 Created and, when it sends a
  // Docker-Content-Digest, with the blob's digest. progress gets the bytes
  // sent so far and may be empty. On failure the upload session is
  // cancelled. A digest that does not match the bytes throws
  // Error{kDigestMismatch}.
  void upload_blob(const std::string& repository, const Descriptor& blob, int fd,
                   std::int64_t chunk_size = 32 << 20, const BlobProgress& progress = {});

  // Stores a manifest or index under reference (tag or digest) with its media
  // type as Content-Type. Returns the digest the registry reports (or
  // computes, when it sends none). Throws Error{kInvalidArgument} with the
  // registry's reason when it rejects the manifest, such as a blob it does
  // not have, and Error{kDigestMismatch} when the reported digest is not the
  // sha256 of body.
  std::string put_manifest(const std::string& repository, const std::string& reference,
                           const std::string& body, const std::string& media_type);

 private:
  // A blob upload session opened with POST.
  struct UploadSession {
    std::string url;             // absolute URL from the Location header
    std::int64_t min_chunk = 0;  // OCI-Chunk-Min-Length, or 0
  };

  void connect();
  // Performs request on session_, sending it again as options_.retry allows.
  HttpResponse perform_with_retry(const HttpRequest& request);
  HttpResponse get(const std::string& repository, const std::string& path, HttpRequest request);
  // Sends request with authorization for scope. request.url is a path on the
  // registry ("/v2/...") or an absolute URL; credentials are sent only to the
  // registry's own scheme, host and port. Responds to one 401 challenge.
  // Returns any response that is not 401; transport failures throw.
  HttpResponse send(const std::string& scope, HttpRequest request);
  std::string resolve_location(const HttpResponse& response, std::string_view subject) const;
  UploadSession start_upload(const std::string& repository, const std::string& scope,
                             std::string_view subject);
  void send_chunks(const std::string& scope, std::string& url, const Descriptor& blob, int fd,
                   std::int64_t chunk_size, const BlobProgress& progress, std::string_view subject);
  void finish_upload(const std::string& scope, const std::string& url, const Descriptor& blob,
                     int fd, bool with_body, const BlobProgress& progress,
                     std::string_view subject);
  void cancel_upload(const std::string& scope, const std::string& url);
  std::optional<std::string> authorization(const std::string& scope);
  std::string fetch_token(const std::string& scope);
  [[noreturn]] void fail_unauthorized(const HttpResponse& response) const;
  [[noreturn]] void fail_access_denied(const HttpResponse& response,
                                       const std::string& scope) const;

  std::string registry_;
  std::string endpoint_;  // host[:port] actually contacted
  RegistryOptions options_;
  TlsOptions tls_;
  HttpSession session_;
  std::string base_url_;  // "https://host[:port]" after connect(), else ""
  std::optional<AuthChallenge> challenge_;
  // Bearer token per scope, such as "repository:a:pull,push repository:b:pull";
  // secrets.
  std::map<std::string, std::string> tokens_;

  // Search and tag lists, for `berth search` (registry_search.cpp).
 public:
  // Returns at most limit (0: no limit) repositories matching term, in the
  // registry's order. Asks the /v1/search endpoint (Docker Hub's) for them;
  // when the registry has none (HTTP 404 or 405), lists /v2/_catalog,
  // following its Link pagination, and keeps the names that contain term.
  std::vector<RegistrySearchResult> search(const std::string& term, int limit);

  // Returns every tag of repository from /v2/<repository>/tags/list,
  // following its Link pagination. Throws Error{kNotFound} for a repository
  // the registry does not have.
  std::vector<std::string> list_tags(const std::string& repository);

 private:
  // GETs path and each rel="next" page after it, passing every body to
  // on_page until it returns false. A failed response throws with subject.
  void get_pages(const std::string& scope, std::string path, std::string_view subject,
                 const std::function<bool(const std::string& body)>& on_page);
};

}  // namespace berth::image
