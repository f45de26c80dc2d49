#pragma once

// Stops a build run by the CLI when SIGINT, SIGTERM or SIGHUP arrives. The
// handler only records the signal and writes its number to a pipe, the way
// the foreground `run` forwards signals: the RUN step polls that pipe next
// to the container's output (AttachIo::signal_fd), and the builder checks
// for a signal between steps.
// A StopListener lets one build listen to a descriptor of its own instead.
// A FROM pull checks between the chunks of each layer it downloads.
// NOTE: a signal during a COPY takes effect when the copy ends.

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

// The stop requests of one build. With stop_fd -1 these are the process's
// stop signals (StopSignals); otherwise each byte that arrives on stop_fd
// is a signal number, which lets the REST service stop one of its builds
// when the client has gone while other builds go on.
class StopListener {
 public:
  explicit StopListener(int stop_fd) : own_fd_(stop_fd) {}

  // The descriptor to poll next to a RUN step's output (AttachIo::signal_fd).
  int fd() const { return own_fd_ >= 0 ? own_fd_ : stop_signal_fd(); }

  // Records a signal number read from fd() by someone else.
  void received(int signal_number);

  // Throws BuildInterrupted when a stop request has arrived, reading
  // stop_fd without blocking.
  void throw_if_stopped();

 private:
  int own_fd_;
  int received_ = 0;
};

}  // namespace berth::build
