#include "image/retry.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace berth::image {
namespace {

HttpResponse status(long code) {
  HttpResponse response;
  response.status = code;
  return response;
}

HttpResponse transport(const std::string& error, bool tls) {
  HttpResponse response;
  response.transport_error = error;
  response.tls_error = tls;
  return response;
}

TEST(RetryPolicy, TransientFailures) {
  EXPECT_TRUE(is_transient_failure(transport("connection refused", false)));
  EXPECT_TRUE(is_transient_failure(transport("timed out", false)));
  EXPECT_TRUE(is_transient_failure(status(429)));
  for (long code : {500, 502, 503, 504, 599}) {
    EXPECT_TRUE(is_transient_failure(status(code))) << code;
  }
}

TEST(RetryPolicy, FinalFailures) {
  EXPECT_FALSE(is_transient_failure(transport("TLS handshake failed: bad certificate", true)));
  for (long code : {200, 201, 301, 400, 401, 403, 404, 405, 416}) {
    EXPECT_FALSE(is_transient_failure(status(code))) << code;
  }
}

TEST(RetryPolicy, DefaultDelayDoublesFromOneSecond) {
  RetryPolicy policy;
  std::vector<long> seconds;
  for (int retry = 1; retry <= 5; ++retry) {
    seconds.push_back(
        std::chrono::duration_cast<std::chrono::seconds>(retry_delay(policy, retry)).count());
  }
  EXPECT_EQ(seconds, (std::vector<long>{1, 2, 4, 8, 16}));
  EXPECT_EQ(retry_delay(policy, 100), std::chrono::hours(1));
}

TEST(RetryPolicy, FixedDelayDoesNotGrow) {
  RetryPolicy policy;
  policy.delay = std::chrono::milliseconds(250);
  EXPECT_EQ(retry_delay(policy, 1), std::chrono::milliseconds(250));
  EXPECT_EQ(retry_delay(policy, 4), std::chrono::milliseconds(250));
}

TEST(RetryPolicy, NoticeDescribesFailureAndWaits) {
  RetryPolicy policy;
  policy.max_retries = 3;
  std::vector<RetryNotice> notices;
  std::vector<std::chrono::milliseconds> waits;
  policy.on_retry = [&](const RetryNotice& notice) { notices.push_back(notice); };
  policy.sleep = [&](std::chrono::milliseconds delay) { waits.push_back(delay); };
  HttpRequest request;
  request.url = "http://127.0.0.1:1/v2/app/blobs/sha256:00";
  HttpResponse response = status(503);
  response.body = R"({"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]})";

  wait_before_retry(policy, 2, request, response);

  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].retry, 2);
  EXPECT_EQ(notices[0].max_retries, 3);
  EXPECT_EQ(notices[0].delay, std::chrono::milliseconds(2000));
  EXPECT_EQ(notices[0].error,
            "GET http://127.0.0.1:1/v2/app/blobs/sha256:00: service unavailable (HTTP 503)");
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(2000)}));
}

}  // namespace
}  // namespace berth::image
