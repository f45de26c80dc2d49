#include "build/interrupt.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>

#include "common/error.hpp"

namespace berth::build {

namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<int> g_received{0};
int g_read_fd = -1;
int g_write_fd = -1;

void on_stop_signal(int sig) {
  int expected = 0;
  g_received.compare_exchange_strong(expected, sig);
  unsigned char byte = static_cast<unsigned char>(sig);
  [[maybe_unused]] ssize_t n = ::write(g_write_fd, &byte, 1);
}

}  // namespace

BuildInterrupted::BuildInterrupted(int signal_number)
    : Error(ErrorCode::kInternal,
            fmt::format("build stopped by signal {} ({})", signal_number,
                        ::sigabbrev_np(signal_number) ? ::sigabbrev_np(signal_number) : "?")),
      signal_number_(signal_number) {}

StopSignals::StopSignals() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fail_errno(errno, "creating a signal pipe");
  g_read_fd = fds[0];
  g_write_fd = fds[1];
  g_received = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  ::sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : kStopSignals) ::sigaction(sig, &action, nullptr);
}

StopSignals::~StopSignals() {
  for (int sig : kStopSignals) ::signal(sig, SIG_DFL);
  ::close(g_read_fd);
  ::close(g_write_fd);
  g_read_fd = -1;
  g_write_fd = -1;
}

int stop_signal_fd() { return g_read_fd; }

int stop_signal_received() { return g_received.load(); }

void throw_if_stopped() {
  if (int sig = g_received.load(); sig != 0) throw BuildInterrupted(sig);
}

void StopListener::received(int signal_number) {
  if (received_ == 0) received_ = signal_number;
}

void StopListener::throw_if_stopped() {
  if (own_fd_ < 0) {
    build::throw_if_stopped();
    return;
  }
  if (received_ == 0) {
    pollfd polled{own_fd_, POLLIN, 0};
    unsigned char byte = 0;
    if (::poll(&polled, 1, 0) == 1 && (polled.revents & POLLIN) != 0 &&
        ::read(own_fd_, &byte, 1) == 1) {
      received_ = byte;
    }
  }
  if (received_ != 0) throw BuildInterrupted(received_);
}

}  // namespace berth::build
