#include "common/error.hpp"

#include <cerrno>
#include <cstring>

namespace berth {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPermissionDenied: return "permission denied";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDigestMismatch: return "digest mismatch";
    case ErrorCode::kCommandNotFound: return "command not found";
    case ErrorCode::kCommandNotExecutable: return "command not executable";
  }
  return "unknown";
}

Error::Error(ErrorCode code, std::string message, int sys_errno)
    : std::runtime_error(std::move(message)), code_(code), errno_(sys_errno) {}

Error Error::with_context(std::string_view context) const {
  return Error(code_, fmt::format("{}: {}", context, what()), errno_);
}

void fail_errno(int sys_errno, std::string message) {
  ErrorCode code = ErrorCode::kInternal;
  switch (sys_errno) {
    case ENOENT: code = ErrorCode::kNotFound; break;
    case EACCES:
    case EPERM: code = ErrorCode::kPermissionDenied; break;
    case EEXIST: code = ErrorCode::kAlreadyExists; break;
    default: break;
  }
  throw Error(code, fmt::format("{}: {}", message, std::strerror(sys_errno)), sys_errno);
}

}  // namespace berth
