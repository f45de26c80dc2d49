#pragma once

#include <string>
#include <string_view>

#include "image/http_session.hpp"

namespace berth::image {

// The first entry of a registry's JSON error body
// {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}.
struct RegistryError {
  std::string code;     // "MANIFEST_UNKNOWN", or "" when the body has none
  std::string message;  // "manifest unknown", or ""
  // The "detail" member: a string as sent, the string members of an object
  // joined with ", ", else "". Registries put the offending digest here.
  std::string detail;
};

RegistryError parse_registry_error(std::string_view body);

// Throws the Error for a failed registry response about subject (such as
// "127.0.0.1:5000/busybox:latest"): kNotFound for 404 and the *_UNKNOWN
// codes, kUnauthorized for 401, kPermissionDenied for 403, kUnavailable for
// 429, 5xx and anything else. The message carries the registry's own text.
[[noreturn]] void fail_registry_response(const HttpResponse& response, std::string_view subject);

// Throws the Error for a failed response to pushed content (a blob upload or
// a manifest), with the registry's message and detail. DIGEST_INVALID gives
// kDigestMismatch. HTTP 400 and the codes that reject content
// (MANIFEST_INVALID, MANIFEST_BLOB_UNKNOWN, BLOB_UNKNOWN, SIZE_INVALID, ...)
// give kInvalidArgument. Other responses fail as in fail_registry_response.
[[noreturn]] void fail_push_response(const HttpResponse& response, std::string_view subject);

}  // namespace berth::image
