#pragma once

// The failure of a RUN step: an Error that also carries the command's exit
// status, which `build` exits with, as Podman does.

#include <string>

#include "common/error.hpp"

namespace berth::build {

class RunStepFailed : public Error {
 public:
  RunStepFailed(std::string message, int exit_status)
      : Error(ErrorCode::kInternal, std::move(message)), exit_status_(exit_status) {}
  int exit_status() const { return exit_status_; }

 private:
  int exit_status_;
};

}  // namespace berth::build
