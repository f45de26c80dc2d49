#pragma once

#include <string>
#include <string_view>
#include <stdexcept>

#include <fmt/format.h>

namespace berth {

// The kind of a failure. The CLI maps each code to one exit code and the REST
// service to one HTTP status; nothing compares message text.
enum class ErrorCode {
  kInternal,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,    // a name or ID is in use
  kConflict,         // the object is in a state that forbids the request
  kPermissionDenied,
  kUnauthorized,     // a registry rejected the credentials
  kUnavailable,      // a server or service did not respond
  kDigestMismatch,   // content did not match its digest
  kCommandNotFound,  // the container's command does not exist (exit 127)
  kCommandNotExecutable,  // the container's command cannot run (exit 126)
};

std::string_view error_code_name(ErrorCode code);

// The one exception type of berth. It carries a code, the errno of a failed
// system call (0 when none), and a message that grows context on the way up:
// "pulling image \"x\": fetching blob sha256:...: connection refused".
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, int sys_errno = 0);

  ErrorCode code() const { return code_; }
  int sys_errno() const { return errno_; }

  // Returns a copy of this error with "context: " put before the message.
  Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
  int errno_;
};

// Throws Error{code} with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(code, fmt::format(format, std::forward<Args>(args)...));
}

// Throws Error for a failed system call: the message gets ": strerror(errno)"
// and the code follows errno (ENOENT is kNotFound, EACCES/EPERM are
// kPermissionDenied, EEXIST is kAlreadyExists, anything else kInternal).
[[noreturn]] void fail_errno(int sys_errno, std::string message);

// Runs body(); an Error escaping it gets context added first.
template <typename Body>
auto with_context(std::string_view context, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error& e) {
    throw e.with_context(context);
  }
}

}  // namespace berth
