#include "image/retry.hpp"

#include <algorithm>
#include <thread>

#include "common/log.hpp"
#include "image/registry_errors.hpp"

namespace berth::image {

namespace {

// The doubling stops here, so a large --retry cannot overflow the delay.
constexpr std::chrono::milliseconds kMaxBackoff = std::chrono::hours(1);

}  // namespace

bool is_transient_failure(const HttpResponse& response) {
  if (!response.transport_error.empty()) return !response.tls_error;
  return response.status == 429 || (response.status >= 500 && response.status <= 599);
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry) {
  if (policy.delay) return *policy.delay;
  std::chrono::milliseconds delay(1000);
  for (int i = 1; i < retry && delay < kMaxBackoff; ++i) delay *= 2;
  return std::min(delay, kMaxBackoff);
}

std::string describe_failed_request(const HttpRequest& request, const HttpResponse& response) {
  if (!response.transport_error.empty()) {
    return fmt::format("{} {}: {}", request.method, request.url, response.transport_error);
  }
  RegistryError error = parse_registry_error(response.body);
  if (error.message.empty()) {
    return fmt::format("{} {}: HTTP {}", request.method, request.url, response.status);
  }
  return fmt::format("{} {}: {} (HTTP {})", request.method, request.url, error.message,
                     response.status);
}

void wait_before_retry(const RetryPolicy& policy, int retry, const HttpRequest& request,
                       const HttpResponse& response) {
  RetryNotice notice;
  notice.retry = retry;
  notice.max_retries = policy.max_retries;
  notice.delay = retry_delay(policy, retry);
  notice.error = describe_failed_request(request, response);
  SPDLOG_DEBUG("retry {}/{} in {} ms after {}", retry, policy.max_retries, notice.delay.count(),
               notice.error);
  if (policy.on_retry) policy.on_retry(notice);
  if (policy.sleep) {
    policy.sleep(notice.delay);
  } else {
    std::this_thread::sleep_for(notice.delay);
  }
}

}  // namespace berth::image
