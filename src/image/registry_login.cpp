// Checking credentials against a registry, for `berth login`.

#include "common/error.hpp"
#include "common/log.hpp"
#include "image/registry_client.hpp"
#include "image/registry_errors.hpp"

namespace berth::image {

namespace {

// Returns the message of a registry's JSON error body, or "".
std::string registry_message(const HttpResponse& response) {
  return parse_registry_error(response.body).message;
}

}  // namespace

void RegistryClient::verify_credentials() {
  connect();
  if (!challenge_) {
    // The registry served /v2/ without asking for credentials, so any are
    // accepted, as Podman and Docker treat it.
    SPDLOG_DEBUG("registry {} does not require authentication", registry_);
    return;
  }
  if (!options_.username) {
    fail(ErrorCode::kUnauthorized,
         "registry \"{}\" requires authentication and no username was given", registry_);
  }

  std::string authorization;
  if (challenge_->scheme == "basic") {
    authorization = basic_authorization(*options_.username, options_.password.value_or(""));
  } else {
    // A token without a repository scope: Docker's token servers issue one
    // for login when the credentials are valid, and reject them otherwise.
    authorization = "Bearer " + fetch_token("");
  }

  HttpRequest request;
  request.url = base_url_ + "/v2/";
  request.headers.push_back("Authorization: " + authorization);
  HttpResponse response = session_.get(request, tls_);
  if (!response.transport_error.empty()) {
    fail(ErrorCode::kUnavailable, "GET {}: {}", request.url, response.transport_error);
  }
  if (response.status == 401) {
    std::string message = registry_message(response);
    fail(ErrorCode::kUnauthorized, "invalid username or password ({} Unauthorized{}{})",
         response.status, message.empty() ? "" : ": ", message);
  }
  if (!response.ok()) fail_registry_response(response, fmt::format("registry {}", registry_));
}

}  // namespace berth::image
