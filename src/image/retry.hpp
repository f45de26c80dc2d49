#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "image/http_session.hpp"

namespace berth::image {

// A retry about to happen, for the caller to report.
struct RetryNotice {
  int retry = 0;        // 1 for the first retry
  int max_retries = 0;  // RetryPolicy::max_retries
  std::chrono::milliseconds delay{0};
  std::string error;  // why the attempt failed, such as "GET http://...: HTTP 503"
};

// The retry settings of a RegistryClient. A request is sent again after a
// failure that may pass: a transport failure other than a TLS one
// (connection refused or reset, timeout), HTTP 429 or a 5xx status. Other
// statuses (401, 403, 404, ...) and content that does not match its digest
// fail at once, as in Podman.
struct RetryPolicy {
  // Attempts after the first. 0, the default here, turns retries off; pull
  // and push use Podman's default of 3 (see engine::retry_policy).
  int max_retries = 0;
  // The wait before each retry. nullopt doubles it from one second (1s, 2s,
  // 4s, ...), as Podman 5 does when --retry-delay is not given.
  std::optional<std::chrono::milliseconds> delay;
  // Called before each wait. May be empty. Called on the thread of the
  // client, so it must be thread-safe when clients on several threads share it.
  std::function<void(const RetryNotice&)> on_retry;
  // Waits between attempts; empty means std::this_thread::sleep_for. Tests
  // replace it to run without waiting.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Returns whether a request that got response may succeed when sent again.
bool is_transient_failure(const HttpResponse& response);

// Returns the wait before retry number `retry` (from 1) under policy.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry);

// Describes a failed response for a RetryNotice: "METHOD URL: reason".
std::string describe_failed_request(const HttpRequest& request, const HttpResponse& response);

// Reports and waits out retry number `retry` after response failed.
void wait_before_retry(const RetryPolicy& policy, int retry, const HttpRequest& request,
                       const HttpResponse& response);

}  // namespace berth::image
