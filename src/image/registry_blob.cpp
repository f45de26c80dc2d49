// The blob operations of RegistryClient.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "image/registry_client.hpp"
#include "image/registry_errors.hpp"
#include "os/file.hpp"

namespace berth::image {

namespace {

// Only sha256 is computed, so other algorithms cannot be verified.
void require_sha256(const std::string& digest) {
  if (Digest::parse(digest).algorithm != "sha256") {
    fail(ErrorCode::kInvalidArgument, "cannot verify digest \"{}\": only sha256 is supported",
         digest);
  }
}

// Removes a partial download unless it was committed.
class PartialFile {
 public:
  explicit PartialFile(std::string path) : path_(std::move(path)) {}
  ~PartialFile() {
    if (!committed_) ::unlink(path_.c_str());
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  const std::string& path() const { return path_; }
  void commit() { committed_ = true; }

 private:
  std::string path_;
  bool committed_ = false;
};

}  // namespace

std::string RegistryClient::get_blob_bytes(const std::string& repository, const std::string& digest,
                                           std::size_t max_size) {
  require_sha256(digest);
  std::string subject = fmt::format("blob {} in {}/{}", digest, registry_, repository);
  HttpRequest request;
  request.max_body = max_size;
  HttpResponse response =
      get(repository, "/v2/" + repository + "/blobs/" + digest, std::move(request));
  if (!response.ok()) fail_registry_response(response, subject);

  std::string computed = sha256_digest(response.body);
  if (computed != digest) {
    fail(ErrorCode::kDigestMismatch, "{}: content has digest {}", subject, computed);
  }
  return std::move(response.body);
}

void RegistryClient::get_blob_to_file(const std::string& repository, const Descriptor& blob,
                                      const std::string& dest_path, const BlobProgress& progress) {
  require_sha256(blob.digest);
  std::string subject = fmt::format("blob {} in {}/{}", blob.digest, registry_, repository);
  PartialFile partial(dest_path + ".partial");
  os::Fd fd = os::open_file(partial.path(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

  auto hash = std::make_unique<Sha256>();
  std::int64_t received = 0;
  HttpRequest request;
  request.on_body = [&](std::string_view chunk) {
    received += static_cast<std::int64_t>(chunk.size());
    if (received > blob.size) {
      fail(ErrorCode::kDigestMismatch, "{}: received more than the expected {} bytes", subject,
           blob.size);
    }
    os::write_all(fd.get(), chunk);
    hash->update(chunk);
    if (progress) progress(received);
  };
  // A retry after a transfer broke off starts the file and the digest over.
  request.on_resend = [&] {
    if (::ftruncate(fd.get(), 0) != 0) fail_errno(errno, "truncating " + partial.path());
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) fail_errno(errno, "seeking in " + partial.path());
    hash = std::make_unique<Sha256>();
    received = 0;
    if (progress) progress(0);
  };
  HttpResponse response =
      get(repository, "/v2/" + repository + "/blobs/" + blob.digest, std::move(request));
  if (!response.ok()) fail_registry_response(response, subject);

  if (received != blob.size) {
    fail(ErrorCode::kDigestMismatch, "{}: received {} bytes, expected {}", subject, received,
         blob.size);
  }
  std::string computed = "sha256:" + hash->hex_final();
  if (computed != blob.digest) {
    fail(ErrorCode::kDigestMismatch, "{}: content has digest {}", subject, computed);
  }
  if (::fsync(fd.get()) != 0) fail_errno(errno, "syncing " + partial.path());
  fd.reset();
  if (::rename(partial.path().c_str(), dest_path.c_str()) != 0) {
    fail_errno(errno, fmt::format("renaming {} to {}", partial.path(), dest_path));
  }
  partial.commit();
}

}  // namespace berth::image
