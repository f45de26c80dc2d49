// RegistryClient's push side against the local fixture registries:
// 127.0.0.1:5000 (plain HTTP, no auth) and 127.0.0.1:5443 (TLS with the CA
// in /var/tmp/berth-fixtures, Basic auth tester:tester-pass). Every test pushes into a new
// repository named berth-test-<random>, so fixture repositories are never
// written. Tests are skipped when a registry is not running.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "image/registry_client.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::image {
namespace {

constexpr int kPlainPort = 5000;
constexpr int kSecurePort = 5443;
const std::string kPlain = "127.0.0.1:5000";
const std::string kSecure = "127.0.0.1:5443";
const std::string kSecureCertDir = "/var/tmp/berth-fixtures/certs.d/127.0.0.1:5443";

bool port_open(int port) {
  os::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}

// Returns a port on 127.0.0.1 that nothing listens on.
int closed_port() {
  os::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

#define REQUIRE_REGISTRY(port)                                                    \
  if (!port_open(port)) {                                                         \
    GTEST_SKIP() << "no registry on 127.0.0.1:" << (port)                         \
                 << "; start the fixture registries with the registry-up script"; \
  }

RegistryOptions plain_options() {
  RegistryOptions options;
  options.tls_verify = false;
  options.cert_dir = "/nonexistent";
  return options;
}

RegistryOptions secure_options(const std::string& password) {
  RegistryOptions options;
  options.cert_dir = kSecureCertDir;
  options.username = "tester";
  options.password = password;
  return options;
}

std::string new_repository() { return "berth-test-" + random_id().substr(0, 12); }

// Returns size bytes that differ from run to run, so each upload is new.
std::string random_bytes(std::size_t size) {
  std::mt19937_64 generator(std::random_device{}());
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(generator());
  return data;
}

// A blob written to a temporary file, open for reading.
class BlobFile {
 public:
  explicit BlobFile(std::string content, std::string media_type = "application/octet-stream")
      : content_(std::move(content)) {
    path_ = (std::filesystem::temp_directory_path() / ("berth-push-test-" + random_id())).string();
    os::write_file_atomic(path_, content_);
    fd_ = os::open_file(path_, O_RDONLY);
    descriptor_ = Descriptor{std::move(media_type),
                             sha256_digest(content_),
                             static_cast<std::int64_t>(content_.size()),
                             std::nullopt,
                             {}};
  }
  ~BlobFile() { std::filesystem::remove(path_); }
  BlobFile(const BlobFile&) = delete;
  BlobFile& operator=(const BlobFile&) = delete;

  const std::string& content() const { return content_; }
  const Descriptor& descriptor() const { return descriptor_; }
  int fd() const { return fd_.get(); }

 private:
  std::string content_;
  std::string path_;
  os::Fd fd_;
  Descriptor descriptor_;
};

nlohmann::json descriptor_json(const Descriptor& descriptor) {
  return {{"mediaType", descriptor.media_type},
          {"digest", descriptor.digest},
          {"size", descriptor.size}};
}

std::string oci_manifest(const Descriptor& config, const Descriptor& layer) {
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", media_type::kOciManifest},
                             {"config", descriptor_json(config)},
                             {"layers", {descriptor_json(layer)}}};
  return manifest.dump();
}

std::string config_json() {
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"config", {{"Env", {"BERTH_TEST=" + random_id()}}}},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
  return config.dump();
}

TEST(RegistryPush, MonolithicUploadRoundTrip) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  std::string repository = new_repository();
  BlobFile blob("small blob " + random_id());

  EXPECT_FALSE(client.has_blob(repository, blob.descriptor().digest));
  std::int64_t progress = 0;
  client.upload_blob(repository, blob.descriptor(), blob.fd(), 32 << 20,
                     [&](std::int64_t done) { progress = done; });

  EXPECT_EQ(progress, blob.descriptor().size);
  EXPECT_TRUE(client.has_blob(repository, blob.descriptor().digest));
  EXPECT_EQ(client.get_blob_bytes(repository, blob.descriptor().digest), blob.content());
}

// 3 MiB in 1 MiB chunks, once an exact multiple and once with a short last chunk.
TEST(RegistryPush, ChunkedUploadRoundTrip) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  std::string repository = new_repository();
  std::string dir =
      (std::filesystem::temp_directory_path() / ("berth-push-" + random_id())).string();
  std::filesystem::create_directories(dir);

  for (std::size_t size : {std::size_t{3} << 20, (std::size_t{3} << 20) + 1000}) {
    SCOPED_TRACE("blob size " + std::to_string(size));
    BlobFile blob(random_bytes(size), std::string(media_type::kOciLayerGzip));
    std::vector<std::int64_t> progress;
    client.upload_blob(repository, blob.descriptor(), blob.fd(), 1 << 20,
                       [&](std::int64_t done) { progress.push_back(done); });

    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), blob.descriptor().size);
    EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
    EXPECT_TRUE(client.has_blob(repository, blob.descriptor().digest));
    std::string path = dir + "/blob";
    client.get_blob_to_file(repository, blob.descriptor(), path);
    EXPECT_EQ(os::read_file(path), blob.content());
    std::filesystem::remove(path);
  }
  std::filesystem::remove_all(dir);
}

TEST(RegistryPush, HasBlobFalseForMissing) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  std::string missing = sha256_digest("never uploaded " + random_id());
  EXPECT_FALSE(client.has_blob("busybox", missing));
  EXPECT_FALSE(client.has_blob(new_repository(), missing));
}

TEST(RegistryPush, MountFromBusybox) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  FetchedManifest busybox = client.get_manifest("busybox", "latest");
  Manifest manifest = parse_manifest(busybox.body, busybox.media_type);
  ASSERT_FALSE(manifest.layers.empty());
  const std::string& layer = manifest.layers.front().digest;
  std::string repository = new_repository();

  EXPECT_FALSE(client.has_blob(repository, layer));
  EXPECT_TRUE(client.mount_blob(repository, layer, "busybox"));
  EXPECT_TRUE(client.has_blob(repository, layer));
}

TEST(RegistryPush, MountOfMissingBlobRejected) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  std::string repository = new_repository();
  std::string missing = sha256_digest("not in busybox " + random_id());

  EXPECT_FALSE(client.mount_blob(repository, missing, "busybox"));
  EXPECT_FALSE(client.has_blob(repository, missing));
}

// Uploads a config and a layer and stores an OCI manifest naming them.
void push_image(RegistryClient& client, const std::string& repository) {
  BlobFile config(config_json(), std::string(media_type::kOciConfig));
  BlobFile layer(random_bytes(4096), std::string(media_type::kOciLayerGzip));
  client.upload_blob(repository, config.descriptor(), config.fd());
  client.upload_blob(repository, layer.descriptor(), layer.fd());
  std::string body = oci_manifest(config.descriptor(), layer.descriptor());
  std::string media = std::string(media_type::kOciManifest);

  std::string digest = client.put_manifest(repository, "v1", body, media);
  EXPECT_EQ(digest, sha256_digest(body));

  FetchedManifest by_tag = client.get_manifest(repository, "v1");
  EXPECT_EQ(by_tag.body, body);
  EXPECT_EQ(by_tag.media_type, media);
  EXPECT_EQ(by_tag.digest, digest);
  FetchedManifest by_digest = client.get_manifest(repository, digest);
  EXPECT_EQ(by_digest.body, body);
  EXPECT_EQ(client.get_blob_bytes(repository, config.descriptor().digest), config.content());

  // A manifest stored under its digest has no tag.
  std::string untagged = oci_manifest(config.descriptor(), config.descriptor());
  EXPECT_EQ(client.put_manifest(repository, sha256_digest(untagged), untagged, media),
            sha256_digest(untagged));
  EXPECT_EQ(client.get_manifest(repository, sha256_digest(untagged)).body, untagged);
}

TEST(RegistryPush, PutManifestFetchedBack) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  push_image(client, new_repository());
}

TEST(RegistryPush, ManifestWithMissingBlobRejected) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  std::string repository = new_repository();
  BlobFile config(config_json(), std::string(media_type::kOciConfig));
  client.upload_blob(repository, config.descriptor(), config.fd());
  Descriptor missing{std::string(media_type::kOciLayerGzip),
                     sha256_digest("missing layer " + random_id()),
                     100,
                     std::nullopt,
                     {}};
  std::string body = oci_manifest(config.descriptor(), missing);

  try {
    client.put_manifest(repository, "v1", body, std::string(media_type::kOciManifest));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    std::string message = e.what();
    EXPECT_NE(message.find("storing manifest " + kPlain + "/" + repository + ":v1"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(missing.digest), std::string::npos) << message;
  }
  EXPECT_THROW(client.get_manifest(repository, "v1"), Error);
}

TEST(RegistryPush, ManifestDigestReferenceMustMatch) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  std::string wrong = sha256_digest("other");
  try {
    client.put_manifest(new_repository(), wrong, "{}", std::string(media_type::kOciManifest));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDigestMismatch);
    EXPECT_NE(std::string(e.what()).find(sha256_digest("{}")), std::string::npos) << e.what();
  }
}

TEST(RegistryPush, WrongDigestRejectedByRegistry) {
  REQUIRE_REGISTRY(kPlainPort);
  RegistryClient client(kPlain, plain_options());
  std::string repository = new_repository();
  BlobFile blob("actual content " + random_id());
  Descriptor declared = blob.descriptor();
  declared.digest = sha256_digest("declared content " + random_id());

  for (std::int64_t chunk_size : {std::int64_t{32} << 20, std::int64_t{8}}) {
    SCOPED_TRACE("chunk size " + std::to_string(chunk_size));
    try {
      client.upload_blob(repository, declared, blob.fd(), chunk_size);
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kDigestMismatch);
      std::string message = e.what();
      EXPECT_NE(
          message.find("uploading blob " + declared.digest + " to " + kPlain + "/" + repository),
          std::string::npos)
          << message;
      EXPECT_NE(message.find("rejected"), std::string::npos) << message;
    }
  }
  EXPECT_FALSE(client.has_blob(repository, declared.digest));
  EXPECT_FALSE(client.has_blob(repository, blob.descriptor().digest));
}

TEST(RegistryPush, TlsPushWithCredentials) {
  REQUIRE_REGISTRY(kSecurePort);
  RegistryClient client(kSecure, secure_options("tester-pass"));
  std::string repository = new_repository();
  push_image(client, repository);

  FetchedManifest busybox = client.get_manifest("busybox", "latest");
  Manifest manifest = parse_manifest(busybox.body, busybox.media_type);
  ASSERT_FALSE(manifest.layers.empty());
  EXPECT_TRUE(client.mount_blob(repository, manifest.layers.front().digest, "busybox"));
}

TEST(RegistryPush, TlsWrongPasswordUnauthorized) {
  REQUIRE_REGISTRY(kSecurePort);
  RegistryClient client(kSecure, secure_options("wrong-pass"));
  BlobFile blob("unauthorized " + random_id());
  try {
    client.upload_blob(new_repository(), blob.descriptor(), blob.fd());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnauthorized);
    std::string message = e.what();
    EXPECT_EQ(message, "authenticating to registry \"" + kSecure +
                           "\": invalid username or password (401 Unauthorized)");
    EXPECT_EQ(message.find("wrong-pass"), std::string::npos);
  }
}

TEST(RegistryPush, TlsWithoutCredentialsUnauthorized) {
  REQUIRE_REGISTRY(kSecurePort);
  RegistryOptions options;
  options.cert_dir = kSecureCertDir;
  RegistryClient client(kSecure, options);
  try {
    client.put_manifest(new_repository(), "v1", "{}", std::string(media_type::kOciManifest));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnauthorized);
    EXPECT_NE(std::string(e.what()).find("authentication required"), std::string::npos) << e.what();
  }
}

TEST(RegistryPush, UnreachableRegistryUnavailable) {
  std::string host = "127.0.0.1:" + std::to_string(closed_port());
  RegistryClient client(host, plain_options());
  BlobFile blob("unreachable");
  try {
    client.upload_blob(new_repository(), blob.descriptor(), blob.fd());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("connection refused"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(host), std::string::npos) << e.what();
  }
  EXPECT_THROW(client.has_blob("app", blob.descriptor().digest), Error);
}

TEST(RegistryPush, InvalidChunkSizeRejected) {
  RegistryClient client("127.0.0.1:1", plain_options());
  BlobFile blob("content");
  try {
    client.upload_blob("app", blob.descriptor(), blob.fd(), 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace berth::image
