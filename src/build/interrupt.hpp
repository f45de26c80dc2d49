#pragma once

// Stops a build run by the CLI when SIGINT, SIGTERM or SIGHUP arrives. The
// handler only records the signal and writes its number to a pipe, the way
// the foreground `run` forwards signals: the RUN step polls that pipe next
// to the container's output (AttachIo::signal_fd), and the builder checks
// for a signal between steps.
// NOTE: a signal during a FROM pull or a COPY takes effect when that
// operation ends, because only RUN steps poll the pipe.

#include "common/error.hpp"

namespace berth::build {

// The error a build throws once a stop signal has arrived. `build` exits
// with 128 + the signal number (130 for SIGINT, 143 for SIGTERM), as Podman does.
class BuildInterrupted : public Error {
 public:
  explicit BuildInterrupted(int signal_number);
  int signal_number() const { return signal_number_; }

 private:
  int signal_number_;
};

// Installs the stop handlers for its lifetime and restores the default
// actions when destroyed. Only one may exist at a time.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

// Returns the read end of the signal pipe, or -1 when no StopSignals is
// installed (in the REST service, for example).
int stop_signal_fd();

// Returns the first stop signal received, or 0.
int stop_signal_received();

// Throws BuildInterrupted when a stop signal has arrived.
void throw_if_stopped();

}  // namespace berth::build
