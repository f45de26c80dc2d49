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

// Codes with which a registry rejects the manifest or blob it was sent.
bool is_rejection_code(std::string_view code) {
  for (std::string_view rejected :
       {"MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNVERIFIED", "BLOB_UNKNOWN",
        "BLOB_UPLOAD_INVALID", "SIZE_INVALID", "TAG_INVALID", "NAME_INVALID", "UNSUPPORTED"}) {
    if (code == rejected) return true;
  }
  return false;
}

// Returns a string detail as is, or the string members of an object detail
// such as {"Digest": "sha256:...", "Reason": {}} joined with ", ".
std::string detail_text(const nlohmann::json& detail) {
  if (detail.is_string()) return detail.get<std::string>();
  std::string text;
  if (!detail.is_object()) return text;
  for (const auto& [name, value] : detail.items()) {
    if (!value.is_string() || value.get<std::string>().empty()) continue;
    if (!text.empty()) text += ", ";
    text += value.get<std::string>();
  }
  return text;
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
  if (auto detail = first.find("detail"); detail != first.end()) {
    error.detail = detail_text(*detail);
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

void fail_push_response(const HttpResponse& response, std::string_view subject) {
  RegistryError error = parse_registry_error(response.body);
  bool rejected = is_rejection_code(error.code) || error.code == "DIGEST_INVALID";
  if (!rejected && response.status != 400) fail_registry_response(response, subject);

  std::string reason = error.message.empty() ? "invalid content" : error.message;
  // The detail often repeats the digest that subject already names.
  if (!error.detail.empty() && subject.find(error.detail) == std::string_view::npos) {
    reason += ": " + error.detail;
  }
  ErrorCode code =
      error.code == "DIGEST_INVALID" ? ErrorCode::kDigestMismatch : ErrorCode::kInvalidArgument;
  fail(code, "{}: the registry rejected it: {} (HTTP {})", subject, reason, response.status);
}

}  // namespace berth::image
