#include "image/registry_errors.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace berth::image {

namespace {

bool is_unknown_code(std::string_view code) {
  return code == "MANIFEST_UNKNOWN" || code == "NAME_UNKNOWN" || code == "BLOB_UNKNOWN";
}

// The registry's message, or a description of the status when it sent none.
std::string detail(const HttpResponse& response, const RegistryError& error) {
  std::string status = fmt::format("HTTP {}", response.status);
  if (error.message.empty()) return status;
  return fmt::format("{} ({})", error.message, status);
}

}  // namespace

RegistryError parse_registry_error(std::string_view body) {
  auto document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return {};
  auto errors = document.find("errors");
  if (errors == document.end() || !errors->is_array() || errors->empty()) return {};
  const auto& first = errors->front();
  if (!first.is_object()) return {};
  RegistryError error;
  if (auto code = first.find("code"); code != first.end() && code->is_string()) {
    error.code = code->get<std::string>();
  }
  if (auto message = first.find("message"); message != first.end() && message->is_string()) {
    error.message = message->get<std::string>();
  }
  return error;
}

void fail_registry_response(const HttpResponse& response, std::string_view subject) {
  RegistryError error = parse_registry_error(response.body);
  long status = response.status;
  if (status == 404 || is_unknown_code(error.code)) {
    std::string message = error.message.empty() ? "not found" : error.message;
    fail(ErrorCode::kNotFound, "{}: {}", subject, message);
  }
  if (status == 401) fail(ErrorCode::kUnauthorized, "{}: {}", subject, detail(response, error));
  if (status == 403) {
    fail(ErrorCode::kPermissionDenied, "{}: access denied: {}", subject, detail(response, error));
  }
  if (status == 429) {
    fail(ErrorCode::kUnavailable, "{}: too many requests, try again later: {}", subject,
         detail(response, error));
  }
  fail(ErrorCode::kUnavailable, "{}: the registry failed the request: {}", subject,
       detail(response, error));
}

}  // namespace berth::image
