// The push operations of RegistryClient: blob uploads, cross-repository
// mounts and manifest uploads, as the OCI distribution spec describes them.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "image/registry_client.hpp"
#include "image/registry_errors.hpp"

namespace berth::image {

namespace {

constexpr const char* kOctetStream = "Content-Type: application/octet-stream";

std::string push_scope(const std::string& repository) {
  return "repository:" + repository + ":pull,push";
}

// Returns url with name=value added to its query.
std::string with_query(const std::string& url, std::string_view name, std::string_view value) {
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  return fmt::format("{}{}{}={}", url, separator, name, query_escape(value));
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Returns the offset after the last byte that a Range header "0-<last>" of
// an upload session confirms, or nullopt when the header is missing or
// malformed.
std::optional<std::int64_t> confirmed_end(const HttpResponse& response) {
  std::string_view range = response.header("range");
  if (range.starts_with("bytes=")) range.remove_prefix(6);
  std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::optional<std::int64_t> last = parse_int(range.substr(dash + 1));
  if (!last) return std::nullopt;
  return *last + 1;
}

// Fails unless the registry's Docker-Content-Digest, when it sends one, is
// the expected digest.
void check_reported_digest(const HttpResponse& response, const std::string& expected,
                           std::string_view subject) {
  std::string reported = response.header("docker-content-digest");
  if (!reported.empty() && reported != expected) {
    fail(ErrorCode::kDigestMismatch, "{}: the registry reports digest {} for the stored content",
         subject, reported);
  }
}

}  // namespace

// Returns the absolute URL of an upload session from the Location header,
// which the spec allows to be absolute or relative to the registry.
std::string RegistryClient::resolve_location(const HttpResponse& response,
                                             std::string_view subject) const {
  std::string location = response.header("location");
  if (location.starts_with("https://") || location.starts_with("http://")) return location;
  if (location.starts_with("//")) return base_url_.substr(0, base_url_.find("//")) + location;
  if (location.starts_with("/")) return base_url_ + location;
  if (location.empty()) {
    fail(ErrorCode::kUnavailable, "{}: the registry sent no upload location (HTTP {})", subject,
         response.status);
  }
  fail(ErrorCode::kUnavailable, "{}: the registry sent an invalid upload location \"{}\"", subject,
       location);
}

bool RegistryClient::has_blob(const std::string& repository, const std::string& digest) {
  Digest::parse(digest);
  HttpRequest request;
  request.method = "HEAD";
  request.url = "/v2/" + repository + "/blobs/" + digest;
  HttpResponse response = send("repository:" + repository + ":pull", std::move(request));
  if (response.ok()) return true;
  if (response.status == 404) return false;
  fail_registry_response(
      response, fmt::format("checking for blob {} in {}/{}", digest, registry_, repository));
}

bool RegistryClient::mount_blob(const std::string& repository, const std::string& digest,
                                const std::string& from_repository) {
  Digest::parse(digest);
  std::string subject = fmt::format("mounting blob {} from {}/{} into {}/{}", digest, registry_,
                                    from_repository, registry_, repository);
  std::string scope = push_scope(repository) + " repository:" + from_repository + ":pull";
  HttpRequest request;
  request.method = "POST";
  request.url = with_query(with_query("/v2/" + repository + "/blobs/uploads/", "mount", digest),
                           "from", from_repository);
  HttpResponse response = send(scope, std::move(request));
  if (response.status == 201) {
    check_reported_digest(response, digest, subject);
    return true;
  }
  if (response.status != 202) fail_push_response(response, subject);

  SPDLOG_DEBUG("{}: the registry opened an upload session instead", subject);
  if (!response.header("location").empty()) {
    cancel_upload(scope, resolve_location(response, subject));
  }
  return false;
}

RegistryClient::UploadSession RegistryClient::start_upload(const std::string& repository,
                                                           const std::string& scope,
                                                           std::string_view subject) {
  HttpRequest request;
  request.method = "POST";
  request.url = "/v2/" + repository + "/blobs/uploads/";
  HttpResponse response = send(scope, std::move(request));
  if (response.status != 202) fail_push_response(response, subject);
  UploadSession session;
  session.url = resolve_location(response, subject);
  session.min_chunk = parse_int(response.header("oci-chunk-min-length")).value_or(0);
  return session;
}

// Sends the blob in PATCH requests of chunk_size bytes, updating url to the
// Location of each response. A registry that confirms fewer bytes than sent
// gets the rest again from the confirmed offset.
void RegistryClient::send_chunks(const std::string& scope, std::string& url, const Descriptor& blob,
                                 int fd, std::int64_t chunk_size, const BlobProgress& progress,
                                 std::string_view subject) {
  std::int64_t offset = 0;
  while (offset < blob.size) {
    std::int64_t length = std::min(chunk_size, blob.size - offset);
    HttpRequest request;
    request.method = "PATCH";
    request.url = url;
    request.headers = {kOctetStream,
                       fmt::format("Content-Range: {}-{}", offset, offset + length - 1)};
    request.body_fd = fd;
    request.body_offset = offset;
    request.body_length = length;
    if (progress) request.on_sent = [&](std::int64_t sent) { progress(offset + sent); };
    HttpResponse response = send(scope, std::move(request));
    if (response.status != 202) fail_push_response(response, subject);

    url = resolve_location(response, subject);
    std::int64_t end = confirmed_end(response).value_or(offset + length);
    if (end <= offset || end > offset + length) {
      fail(ErrorCode::kUnavailable,
           "{}: the registry confirmed bytes up to offset {} after the chunk of bytes {}-{}",
           subject, end, offset, offset + length - 1);
    }
    offset = end;
  }
}

// Closes the upload session with PUT ?digest=, sending the whole blob as the
// body when with_body is set (a monolithic upload).
void RegistryClient::finish_upload(const std::string& scope, const std::string& url,
                                   const Descriptor& blob, int fd, bool with_body,
                                   const BlobProgress& progress, std::string_view subject) {
  HttpRequest request;
  request.method = "PUT";
  request.url = with_query(url, "digest", blob.digest);
  if (with_body) {
    request.headers = {kOctetStream};
    request.body_fd = fd;
    request.body_length = blob.size;
    if (progress) request.on_sent = progress;
  }
  HttpResponse response = send(scope, std::move(request));
  if (!response.ok()) fail_push_response(response, subject);
  if (response.status != 201) {
    fail(ErrorCode::kUnavailable, "{}: the registry responded with HTTP {} instead of 201 Created",
         subject, response.status);
  }
  check_reported_digest(response, blob.digest, subject);
}

// Deletes an upload session that will not be completed. Failures are only
// logged: the registry expires abandoned sessions on its own.
void RegistryClient::cancel_upload(const std::string& scope, const std::string& url) {
  HttpRequest request;
  request.method = "DELETE";
  request.url = url;
  try {
    HttpResponse response = send(scope, std::move(request));
    if (!response.ok()) {
      SPDLOG_DEBUG("cancelling upload session {}: HTTP {}", url, response.status);
    }
  } catch (const Error& e) {
    SPDLOG_DEBUG("cancelling upload session {} failed: {}", url, e.what());
  }
}

void RegistryClient::upload_blob(const std::string& repository, const Descriptor& blob, int fd,
                                 std::int64_t chunk_size, const BlobProgress& progress) {
  std::string subject =
      fmt::format("uploading blob {} to {}/{}", blob.digest, registry_, repository);
  Digest::parse(blob.digest);
  if (chunk_size <= 0) {
    fail(ErrorCode::kInvalidArgument, "{}: the chunk size must be positive, not {}", subject,
         chunk_size);
  }
  if (blob.size < 0) {
    fail(ErrorCode::kInvalidArgument, "{}: invalid blob size {}", subject, blob.size);
  }
  const std::string scope = push_scope(repository);
  UploadSession session = start_upload(repository, scope, subject);
  std::string url = session.url;
  try {
    std::int64_t chunk = std::max(chunk_size, session.min_chunk);
    bool monolithic = blob.size <= chunk;
    if (!monolithic) send_chunks(scope, url, blob, fd, chunk, progress, subject);
    finish_upload(scope, url, blob, fd, monolithic, progress, subject);
  } catch (const Error&) {
    cancel_upload(scope, url);
    throw;
  }
}

std::string RegistryClient::put_manifest(const std::string& repository,
                                         const std::string& reference, const std::string& body,
                                         const std::string& media_type) {
  bool by_digest = reference.find(':') != std::string::npos;
  std::string subject = fmt::format("storing manifest {}/{}{}{}", registry_, repository,
                                    by_digest ? "@" : ":", reference);
  std::string computed = sha256_digest(body);
  if (by_digest && Digest::parse(reference).algorithm == "sha256" && reference != computed) {
    fail(ErrorCode::kDigestMismatch, "{}: the manifest has digest {}", subject, computed);
  }

  HttpRequest request;
  request.method = "PUT";
  request.url = "/v2/" + repository + "/manifests/" + reference;
  request.headers = {"Content-Type: " + media_type};
  request.body = body;
  HttpResponse response = send(push_scope(repository), std::move(request));
  if (!response.ok()) fail_push_response(response, subject);

  std::string reported = response.header("docker-content-digest");
  if (reported.empty()) return computed;
  // NOTE: a registry that reports another algorithm (sha512) is trusted as is,
  // because only sha256 is computed here.
  if (reported.starts_with("sha256:") && reported != computed) {
    fail(ErrorCode::kDigestMismatch, "{}: the registry reports digest {}, but the manifest has {}",
         subject, reported, computed);
  }
  return reported;
}

}  // namespace berth::image
