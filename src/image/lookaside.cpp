#include "image/lookaside.hpp"

#include <unistd.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/registries_d.hpp"
#include "image/http_session.hpp"
#include "os/file.hpp"

namespace berth::image {

namespace {

constexpr std::string_view kFileScheme = "file://";

// The maximum number of signatures read for one image. A store that returns 200 for every index
// (a web server that returns a page for any path) would otherwise keep a
// pull reading forever.
constexpr int kMaxSignatures = 128;

std::string file_path_of(const std::string& url) { return url.substr(kFileScheme.size()); }

}  // namespace

LookasideReader::LookasideReader(std::string base, std::string repository, std::string digest)
    : base_(std::move(base)), repository_(std::move(repository)), digest_(std::move(digest)) {}

LookasideReader::~LookasideReader() = default;

std::optional<std::string> LookasideReader::read(int index) {
  std::string url = config::signature_url(base_, repository_, digest_, index);
  if (index > kMaxSignatures) {
    fail(ErrorCode::kUnavailable,
         "the signature store {} has more than {} signatures for {}@{}: check that it is a "
         "signature store and not a server that answers every path",
         base_, kMaxSignatures, repository_, digest_);
  }
  if (url.starts_with(kFileScheme)) return os::read_file_if_exists(file_path_of(url));
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    fail(ErrorCode::kInvalidArgument,
         "unsupported lookaside URL \"{}\": use file://, http:// or https://", base_);
  }
  if (!http_) http_ = std::make_unique<HttpSession>();
  HttpRequest request;
  request.url = url;
  request.max_body = 4 << 20;
  SPDLOG_DEBUG("reading signature {}", url);
  auto response = http_->get(request, TlsOptions{});
  if (response.status == 404) return std::nullopt;
  if (!response.transport_error.empty()) {
    fail(ErrorCode::kUnavailable, "reading signature {}: {}", url, response.transport_error);
  }
  if (!response.ok()) {
    fail(ErrorCode::kUnavailable, "reading signature {}: HTTP status {}", url, response.status);
  }
  return response.body;
}

void write_lookaside_signatures(const std::string& base, const std::string& repository,
                                const std::string& digest,
                                const std::vector<std::string>& signatures) {
  if (!base.starts_with(kFileScheme)) {
    fail(ErrorCode::kInvalidArgument,
         "writing signatures to \"{}\" is not supported: set a file:// lookaside-staging in "
         "registries.d",
         base);
  }
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    std::string path = file_path_of(config::signature_url(base, repository, digest, i + 1));
    os::make_dirs(path.substr(0, path.rfind('/')));
    os::write_file_atomic(path, signatures[i], 0644);
  }
  for (int index = static_cast<int>(signatures.size()) + 1;; ++index) {
    std::string path = file_path_of(config::signature_url(base, repository, digest, index));
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) break;
      fail_errno(errno, "removing old signature " + path);
    }
  }
}

}  // namespace berth::image
