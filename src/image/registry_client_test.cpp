// RegistryClient against a small in-process HTTP server on 127.0.0.1 that
// plays a registry, for the cases a real registry cannot be made to show:
// bearer tokens, corrupt content, redirects and generic content types.
#include "image/registry_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::image {
namespace {

struct FakeRequest {
  std::string method;
  std::string path;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct FakeResponse {
  int status = 200;
  std::vector<std::string> headers;
  std::string body;
};

// Serves one request per connection on an ephemeral port of 127.0.0.1.
class FakeRegistry {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeRegistry(Handler handler) : handler_(std::move(handler)) {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_.get(), 16) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("fake registry: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~FakeRegistry() {
    stop_ = true;
    thread_.join();
  }

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  std::vector<FakeRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd poll_fd{listener_.get(), POLLIN, 0};
      if (::poll(&poll_fd, 1, 50) <= 0) continue;
      os::Fd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client) handle(client.get());
    }
  }

  void handle(int fd) {
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      pollfd poll_fd{fd, POLLIN, 0};
      if (::poll(&poll_fd, 1, 2000) <= 0) return;
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return;
      data.append(buffer, static_cast<std::size_t>(n));
      if (static_cast<unsigned char>(data[0]) == 0x16) return;  // a TLS handshake
    }
    FakeRequest request = parse(data);
    request.body = data.substr(data.find("\r\n\r\n") + 4);
    std::size_t length = std::strtoul(request.header("content-length").c_str(), nullptr, 10);
    while (request.body.size() < length) {
      pollfd poll_fd{fd, POLLIN, 0};
      if (::poll(&poll_fd, 1, 2000) <= 0) return;
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return;
      request.body.append(buffer, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    FakeResponse response = handler_(request);
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " X\r\n";
    for (const std::string& header : response.headers) out += header + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n" + response.body;
    os::write_all(fd, out);
  }

  static FakeRequest parse(const std::string& data) {
    FakeRequest request;
    std::size_t first_space = data.find(' ');
    request.method = data.substr(0, first_space);
    request.path = data.substr(first_space + 1, data.find(' ', first_space + 1) - first_space - 1);
    std::size_t pos = data.find("\r\n") + 2;
    while (pos < data.size()) {
      std::size_t end = data.find("\r\n", pos);
      std::string line = data.substr(pos, end - pos);
      if (line.empty()) break;
      std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      pos = end + 2;
    }
    return request;
  }

  Handler handler_;
  os::Fd listener_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<FakeRequest> requests_;
};

const std::string kManifest =
    R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
    R"("digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",)"
    R"("size":2},"layers":[]})";
const std::string kBlob = "layer content";

RegistryOptions plain_http() {
  RegistryOptions options;
  options.tls_verify = false;
  options.cert_dir = "/nonexistent";
  return options;
}

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("berth-registry-test-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(RegistryClientFake, BearerTokenFetchedOnceAndSent) {
  std::string realm;
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path.starts_with("/token")) {
      if (request.header("authorization") != "Basic dXNlcjpwYXNz") return {401, {}, ""};
      return {200, {}, R"({"token":"secret-token"})"};
    }
    if (request.header("authorization") != "Bearer secret-token") {
      return {401, {"WWW-Authenticate: Bearer realm=\"" + realm + "\",service=\"fake\""}, ""};
    }
    return {200, {"Content-Type: application/vnd.oci.image.manifest.v1+json"}, kManifest};
  });
  realm = "http://" + registry.host() + "/token";

  RegistryOptions options = plain_http();
  options.username = "user";
  options.password = "pass";
  RegistryClient client(registry.host(), options);
  FetchedManifest first = client.get_manifest("team/app", "latest");
  FetchedManifest second = client.get_manifest("team/app", "v2");

  EXPECT_EQ(first.body, kManifest);
  EXPECT_EQ(first.digest, sha256_digest(kManifest));
  EXPECT_EQ(first.media_type, "application/vnd.oci.image.manifest.v1+json");
  int token_requests = 0;
  for (const FakeRequest& request : registry.requests()) {
    if (!request.path.starts_with("/token")) continue;
    ++token_requests;
    EXPECT_EQ(request.path, "/token?service=fake&scope=repository%3Ateam%2Fapp%3Apull");
  }
  EXPECT_EQ(token_requests, 1);
}

TEST(RegistryClientFake, RejectedTokenCredentialsAreUnauthorized) {
  std::string realm;
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path.starts_with("/token")) return {401, {}, ""};
    return {401, {"WWW-Authenticate: Bearer realm=\"" + realm + "\""}, ""};
  });
  realm = "http://" + registry.host() + "/token";
  RegistryOptions options = plain_http();
  options.username = "user";
  options.password = "wrong";
  RegistryClient client(registry.host(), options);
  try {
    client.get_manifest("app", "latest");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnauthorized);
    EXPECT_EQ(std::string(e.what()), "authenticating to registry \"" + registry.host() +
                                         "\": invalid username or password (401 Unauthorized)");
    EXPECT_EQ(std::string(e.what()).find("wrong"), std::string::npos);
  }
}

TEST(RegistryClientFake, ManifestDigestMismatchRejected) {
  FakeRegistry registry([&](const FakeRequest&) -> FakeResponse {
    return {200, {"Content-Type: application/vnd.oci.image.manifest.v1+json"}, kManifest};
  });
  RegistryClient client(registry.host(), plain_http());
  std::string wrong = "sha256:" + std::string(64, 'a');
  try {
    client.get_manifest("app", wrong);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDigestMismatch);
    EXPECT_NE(std::string(e.what()).find(wrong), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(sha256_digest(kManifest)), std::string::npos);
  }
  FetchedManifest right = client.get_manifest("app", sha256_digest(kManifest));
  EXPECT_EQ(right.digest, sha256_digest(kManifest));
}

TEST(RegistryClientFake, GenericContentTypeDetected) {
  FakeRegistry registry([&](const FakeRequest&) -> FakeResponse {
    return {200, {"Content-Type: application/octet-stream"}, kManifest};
  });
  RegistryClient client(registry.host(), plain_http());
  EXPECT_EQ(client.get_manifest("app", "latest").media_type,
            "application/vnd.oci.image.manifest.v1+json");
}

TEST(RegistryClientFake, CorruptBlobLeavesNoFile) {
  std::string corrupt = kBlob;
  corrupt[0] = 'X';
  FakeRegistry registry([&](const FakeRequest&) -> FakeResponse { return {200, {}, corrupt}; });
  RegistryClient client(registry.host(), plain_http());
  std::string dir = temp_dir("corrupt");
  Descriptor blob{"application/vnd.oci.image.layer.v1.tar",
                  sha256_digest(kBlob),
                  static_cast<std::int64_t>(kBlob.size()),
                  std::nullopt,
                  {}};
  try {
    client.get_blob_to_file("app", blob, dir + "/blob");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDigestMismatch);
    EXPECT_NE(std::string(e.what()).find(blob.digest), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(sha256_digest(corrupt)), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/blob"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/blob.partial"));
  EXPECT_THROW(client.get_blob_bytes("app", blob.digest), Error);
  std::filesystem::remove_all(dir);
}

TEST(RegistryClientFake, BlobRedirectDropsCredentials) {
  std::string storage;
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path == "/storage/blob") return {200, {}, kBlob};
    if (request.header("authorization").empty()) {
      return {401, {"WWW-Authenticate: Basic realm=\"fake\""}, ""};
    }
    if (request.path.starts_with("/v2/app/blobs/")) {
      return {307, {"Location: " + storage + "/storage/blob"}, ""};
    }
    return {200, {}, ""};
  });
  // "localhost" is another host name for libcurl, like a storage service.
  storage = "http://localhost:" + std::to_string(registry.port());

  RegistryOptions options = plain_http();
  options.username = "user";
  options.password = "pass";
  RegistryClient client(registry.host(), options);
  std::string dir = temp_dir("redirect");
  Descriptor blob{"application/vnd.oci.image.layer.v1.tar",
                  sha256_digest(kBlob),
                  static_cast<std::int64_t>(kBlob.size()),
                  std::nullopt,
                  {}};
  std::int64_t progress = 0;
  client.get_blob_to_file("app", blob, dir + "/blob", [&](std::int64_t done) { progress = done; });

  EXPECT_EQ(os::read_file(dir + "/blob"), kBlob);
  EXPECT_FALSE(std::filesystem::exists(dir + "/blob.partial"));
  EXPECT_EQ(progress, static_cast<std::int64_t>(kBlob.size()));
  bool saw_storage = false;
  for (const FakeRequest& request : registry.requests()) {
    if (request.path != "/storage/blob") continue;
    saw_storage = true;
    EXPECT_EQ(request.headers.count("authorization"), 0u);
  }
  EXPECT_TRUE(saw_storage);
  std::filesystem::remove_all(dir);
}

TEST(RegistryClientFake, NotFoundNamesReference) {
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path == "/v2/") return {200, {}, "{}"};
    return {
        404,
        {},
        R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})"};
  });
  RegistryClient client(registry.host(), plain_http());
  try {
    client.get_manifest("nosuch", "latest");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_EQ(std::string(e.what()),
              registry.host() + "/nosuch:latest: repository name not known to registry");
  }
}

TEST(RegistryClientFake, RefusedConnectionIsUnavailable) {
  int port = 0;
  {
    FakeRegistry closed([](const FakeRequest&) { return FakeResponse{}; });
    port = closed.port();
  }
  std::string host = "127.0.0.1:" + std::to_string(port);
  RegistryClient client(host, plain_http());
  try {
    client.get_manifest("app", "latest");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_EQ(std::string(e.what()),
              "pinging registry " + host + " at https://" + host + "/v2/: connection refused");
  }
}

// A registry behind a token server, for the push scopes. Tokens are
// "token-1", "token-2", ... in the order they are issued.
class BearerRegistry {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit BearerRegistry(Handler handler)
      : registry_([this, handler](const FakeRequest& request) -> FakeResponse {
          if (request.path.starts_with("/token")) {
            return {200, {}, R"({"token":"token-)" + std::to_string(++issued_) + "\"}"};
          }
          if (request.header("authorization").empty()) {
            return {401,
                    {"WWW-Authenticate: Bearer realm=\"http://" + registry_.host() +
                     "/token\",service=\"fake\""},
                    ""};
          }
          return handler(request);
        }) {}

  FakeRegistry& fake() { return registry_; }

  std::vector<std::string> token_paths() {
    std::vector<std::string> paths;
    for (const FakeRequest& request : registry_.requests()) {
      if (request.path.starts_with("/token")) paths.push_back(request.path);
    }
    return paths;
  }

 private:
  std::atomic<int> issued_{0};
  FakeRegistry registry_;
};

TEST(RegistryClientFake, MountRequestsBothScopesAndReusesToken) {
  std::string digest = sha256_digest(kBlob);
  BearerRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.method == "POST") return {201, {"Docker-Content-Digest: " + digest}, ""};
    return {200, {}, ""};
  });
  RegistryClient client(registry.fake().host(), plain_http());

  EXPECT_TRUE(client.mount_blob("app", digest, "lib/base"));
  EXPECT_TRUE(client.has_blob("app", digest));

  std::vector<std::string> tokens = registry.token_paths();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0],
            "/token?service=fake&scope=repository%3Aapp%3Apull%2Cpush&"
            "scope=repository%3Alib%2Fbase%3Apull");
  std::vector<FakeRequest> requests = registry.fake().requests();
  const FakeRequest& mount = requests[requests.size() - 2];
  EXPECT_EQ(mount.method, "POST");
  EXPECT_EQ(mount.path,
            "/v2/app/blobs/uploads/?mount=sha256%3A" + digest.substr(7) + "&from=lib%2Fbase");
  EXPECT_EQ(mount.header("authorization"), "Bearer token-1");
  EXPECT_EQ(requests.back().method, "HEAD");
  EXPECT_EQ(requests.back().header("authorization"), "Bearer token-1");
}

TEST(RegistryClientFake, PullTokenNotReusedForPush) {
  BearerRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.method == "HEAD") return {404, {}, ""};
    return {201, {"Docker-Content-Digest: " + sha256_digest(kManifest)}, ""};
  });
  RegistryClient client(registry.fake().host(), plain_http());

  EXPECT_FALSE(client.has_blob("app", sha256_digest(kBlob)));
  EXPECT_EQ(
      client.put_manifest("app", "v1", kManifest, "application/vnd.oci.image.manifest.v1+json"),
      sha256_digest(kManifest));

  std::vector<std::string> tokens = registry.token_paths();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], "/token?service=fake&scope=repository%3Aapp%3Apull");
  EXPECT_EQ(tokens[1], "/token?service=fake&scope=repository%3Aapp%3Apull%2Cpush");
  FakeRequest put = registry.fake().requests().back();
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.path, "/v2/app/manifests/v1");
  EXPECT_EQ(put.header("authorization"), "Bearer token-2");
  EXPECT_EQ(put.header("content-type"), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(put.body, kManifest);
}

TEST(RegistryClientFake, PushDeniedWithValidToken) {
  std::string challenge;
  BearerRegistry registry([&](const FakeRequest&) -> FakeResponse {
    return {
        401,
        {challenge},
        R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})"};
  });
  challenge = "WWW-Authenticate: Bearer realm=\"http://" + registry.fake().host() +
              "/token\",service=\"fake\",error=\"insufficient_scope\"";
  RegistryClient client(registry.fake().host(), plain_http());
  try {
    client.put_manifest("app", "v1", kManifest, "application/vnd.oci.image.manifest.v1+json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnauthorized);
    EXPECT_EQ(std::string(e.what()),
              "authenticating to registry \"" + registry.fake().host() +
                  "\" for \"repository:app:pull,push\": requested access to the resource is "
                  "denied (401 Unauthorized); check that the user may access the repository");
  }
  // The token is fetched again once after the first 401, then the error is final.
  EXPECT_EQ(registry.token_paths().size(), 2u);
}

TEST(RegistryClientFake, RefusedMountCancelsSession) {
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.method == "POST") {
      return {202, {"Location: /v2/app/blobs/uploads/u1?_state=s1", "Range: 0-0"}, ""};
    }
    if (request.method == "DELETE") return {204, {}, ""};
    return {200, {}, "{}"};
  });
  RegistryClient client(registry.host(), plain_http());

  EXPECT_FALSE(client.mount_blob("app", sha256_digest(kBlob), "other"));
  FakeRequest cancel = registry.requests().back();
  EXPECT_EQ(cancel.method, "DELETE");
  EXPECT_EQ(cancel.path, "/v2/app/blobs/uploads/u1?_state=s1");
}

// Plays the upload side of a registry: it raises the chunk size with
// OCI-Chunk-Min-Length, responds with relative Locations, and takes only part
// of the first chunk, which the client must send again.
TEST(RegistryClientFake, ChunkedUploadFollowsRegistry) {
  const std::string content = "0123456789abcdefghij";  // 20 bytes
  std::string stored;
  int patches = 0;
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.method == "POST") {
      return {202, {"Location: /upload/u?step=0", "OCI-Chunk-Min-Length: 8"}, ""};
    }
    if (request.method == "PATCH") {
      std::string expected_range = std::to_string(stored.size()) + "-" +
                                   std::to_string(stored.size() + request.body.size() - 1);
      if (request.header("content-range") != expected_range) return {416, {}, ""};
      // The first chunk is taken only in part.
      stored += ++patches == 1 ? request.body.substr(0, 6) : request.body;
      return {202,
              {"Location: /upload/u?step=" + std::to_string(patches),
               "Range: 0-" + std::to_string(stored.size() - 1)},
              ""};
    }
    if (request.method == "PUT") {
      std::string digest = sha256_digest(stored);
      if (request.path !=
          "/upload/u?step=" + std::to_string(patches) + "&digest=sha256%3A" + digest.substr(7)) {
        return {400, {}, R"({"errors":[{"code":"DIGEST_INVALID","message":"bad digest"}]})"};
      }
      return {201, {"Docker-Content-Digest: " + digest}, ""};
    }
    return {200, {}, "{}"};
  });
  std::string dir = temp_dir("chunked");
  os::write_file_atomic(dir + "/blob", content);
  os::Fd fd = os::open_file(dir + "/blob", O_RDONLY);
  Descriptor blob{"application/octet-stream",
                  sha256_digest(content),
                  static_cast<std::int64_t>(content.size()),
                  std::nullopt,
                  {}};

  RegistryClient client(registry.host(), plain_http());
  std::int64_t progress = 0;
  client.upload_blob("app", blob, fd.get(), 4, [&](std::int64_t done) { progress = done; });

  EXPECT_EQ(stored, content);
  EXPECT_EQ(progress, blob.size);
  std::vector<std::string> ranges;
  for (const FakeRequest& request : registry.requests()) {
    if (request.method == "PATCH") ranges.push_back(request.header("content-range"));
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"0-7", "6-13", "14-19"}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace berth::image

namespace berth::image {
namespace {

// Transfers: retries of transient failures, with the waits recorded instead
// of slept.
struct RecordedRetries {
  std::vector<RetryNotice> notices;
  std::vector<std::chrono::milliseconds> waits;

  RegistryOptions options(int max_retries) {
    RegistryOptions options = plain_http();
    options.retry.max_retries = max_retries;
    options.retry.on_retry = [this](const RetryNotice& notice) { notices.push_back(notice); };
    options.retry.sleep = [this](std::chrono::milliseconds delay) { waits.push_back(delay); };
    return options;
  }
};

Descriptor blob_descriptor() {
  Descriptor blob;
  blob.digest = sha256_digest(kBlob);
  blob.size = static_cast<std::int64_t>(kBlob.size());
  return blob;
}

TEST(RegistryClientRetry, BlobRetriedAfter503And429) {
  std::atomic<int> blob_gets{0};
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path == "/v2/") return {200, {}, "{}"};
    int attempt = ++blob_gets;
    if (attempt == 1) return {503, {}, R"({"errors":[{"code":"UNAVAILABLE","message":"busy"}]})"};
    if (attempt == 2) return {429, {}, ""};
    return {200, {}, kBlob};
  });
  RecordedRetries retries;
  RegistryClient client(registry.host(), retries.options(3));
  std::string dest = temp_dir("retry-503") + "/blob";

  client.get_blob_to_file("app", blob_descriptor(), dest);

  EXPECT_EQ(os::read_file(dest), kBlob);
  EXPECT_EQ(blob_gets.load(), 3);
  ASSERT_EQ(retries.notices.size(), 2u);
  EXPECT_EQ(retries.notices[0].retry, 1);
  EXPECT_EQ(retries.notices[0].error, "GET http://" + registry.host() + "/v2/app/blobs/" +
                                          blob_descriptor().digest + ": busy (HTTP 503)");
  EXPECT_EQ(retries.notices[1].retry, 2);
  EXPECT_EQ(retries.notices[1].error,
            "GET http://" + registry.host() + "/v2/app/blobs/" + blob_descriptor().digest +
                ": HTTP 429");
  EXPECT_EQ(retries.waits, (std::vector<std::chrono::milliseconds>{
                               std::chrono::milliseconds(1000), std::chrono::milliseconds(2000)}));
}

TEST(RegistryClientRetry, GivesUpAfterMaxRetries) {
  std::atomic<int> blob_gets{0};
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path == "/v2/") return {200, {}, "{}"};
    ++blob_gets;
    return {502, {}, ""};
  });
  RecordedRetries retries;
  RegistryClient client(registry.host(), retries.options(2));
  std::string dir = temp_dir("retry-max");
  try {
    client.get_blob_to_file("app", blob_descriptor(), dir + "/blob");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  }
  EXPECT_EQ(blob_gets.load(), 3);
  EXPECT_EQ(retries.notices.size(), 2u);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(RegistryClientRetry, NotFoundAndUnauthorizedAreNotRetried) {
  for (int code : {404, 403, 400}) {
    std::atomic<int> blob_gets{0};
    FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
      if (request.path == "/v2/") return {200, {}, "{}"};
      ++blob_gets;
      return {code, {}, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]})"};
    });
    RecordedRetries retries;
    RegistryClient client(registry.host(), retries.options(3));
    EXPECT_THROW(client.get_blob_to_file("app", blob_descriptor(), temp_dir("retry-4xx") + "/b"),
                 Error);
    EXPECT_EQ(blob_gets.load(), 1) << code;
    EXPECT_TRUE(retries.notices.empty()) << code;
  }
}

TEST(RegistryClientRetry, DigestMismatchIsNotRetried) {
  std::atomic<int> blob_gets{0};
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path == "/v2/") return {200, {}, "{}"};
    ++blob_gets;
    return {200, {}, "layer contenT"};  // the expected size, other bytes
  });
  RecordedRetries retries;
  RegistryClient client(registry.host(), retries.options(3));
  try {
    client.get_blob_to_file("app", blob_descriptor(), temp_dir("retry-digest") + "/b");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDigestMismatch);
  }
  EXPECT_EQ(blob_gets.load(), 1);
  EXPECT_TRUE(retries.notices.empty());
}

TEST(RegistryClientRetry, RefusedConnectionRetriedThenUnavailable) {
  int port = 0;
  {
    FakeRegistry closed([](const FakeRequest&) { return FakeResponse{}; });
    port = closed.port();
  }
  RecordedRetries retries;
  RegistryClient client("127.0.0.1:" + std::to_string(port), retries.options(2));
  EXPECT_THROW(client.get_manifest("app", "latest"), Error);
  ASSERT_EQ(retries.notices.size(), 2u);
  EXPECT_NE(retries.notices[0].error.find("connection refused"), std::string::npos);
}

TEST(RegistryClientRetry, CloneSharesTokenAndRetryPolicy) {
  std::string realm;
  std::atomic<int> token_requests{0};
  FakeRegistry registry([&](const FakeRequest& request) -> FakeResponse {
    if (request.path.starts_with("/token")) {
      ++token_requests;
      return {200, {}, R"({"token":"t"})"};
    }
    if (request.header("authorization") != "Bearer t") {
      return {401, {"WWW-Authenticate: Bearer realm=\"" + realm + "\""}, ""};
    }
    return {200, {}, kBlob};
  });
  realm = "http://" + registry.host() + "/token";
  RecordedRetries retries;
  RegistryClient client(registry.host(), retries.options(1));
  client.get_blob_bytes("app", blob_descriptor().digest);
  auto copy = client.clone();
  EXPECT_EQ(copy->get_blob_bytes("app", blob_descriptor().digest), kBlob);
  EXPECT_EQ(token_requests.load(), 1);
}

}  // namespace
}  // namespace berth::image
