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
};

RegistryError parse_registry_error(std::string_view body);

// Throws the Error for a failed registry response about subject (such as
// "127.0.0.1:5000/busybox:latest"): kNotFound for 404 and the *_UNKNOWN
// codes, kUnauthorized for 401, kPermissionDenied for 403, kUnavailable for
// 429, 5xx and anything else. The message carries the registry's own text.
[[noreturn]] void fail_registry_response(const HttpResponse& response, std::string_view subject);

}  // namespace berth::image
