#include "cli/attached.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <optional>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/fd.hpp"

namespace berth::cli {

namespace {

// Forwards the signals a user sends to a foreground container, as Podman's
// --sig-proxy does by default: the handler only writes the signal number
// to a pipe that the attach loop reads.
class SignalProxy {
 public:
  SignalProxy() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fail_errno(errno, "creating a signal pipe");
    read_end_.reset(fds[0]);
    write_end_.reset(fds[1]);
    write_fd_ = write_end_.get();
    struct sigaction action {};
    action.sa_handler = [](int sig) {
      unsigned char byte = static_cast<unsigned char>(sig);
      [[maybe_unused]] ssize_t n = ::write(write_fd_, &byte, 1);
    };
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int sig : kSignals) ::sigaction(sig, &action, nullptr);
  }
  ~SignalProxy() {
    for (int sig : kSignals) ::signal(sig, SIG_DFL);
    write_fd_ = -1;
  }
  SignalProxy(const SignalProxy&) = delete;
  SignalProxy& operator=(const SignalProxy&) = delete;
  int fd() const { return read_end_.get(); }

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  static inline int write_fd_ = -1;
  os::Fd read_end_;
  os::Fd write_end_;
};

}  // namespace

void add_detach_keys_flag(CLI::App& cmd, AttachSettings& settings) {
  cmd.add_option("--detach-keys", settings.detach_keys,
                 "Key sequence that detaches (\"ctrl-p,ctrl-q\"; \"\" disables it)")
      ->each([&settings](const std::string&) { settings.detach_keys_given = true; });
}

std::string detach_key_bytes(const AttachSettings& settings) {
  if (settings.detach_keys_given) return container::parse_detach_keys(settings.detach_keys);
  return container::configured_detach_keys();
}

container::AttachResult attach_foreground(engine::Engine& engine, const std::string& id,
                                          int socket_fd, const AttachSettings& settings) {
  container::AttachIo io;
  // Detach keys apply to a terminal only, as in Podman and Docker: input
  // piped into a container without one is data, whatever its bytes.
  std::string keys = detach_key_bytes(settings);
  if (settings.tty) io.detach_keys = std::move(keys);
  io.stdin_fd = settings.interactive ? STDIN_FILENO : -1;
  io.resize = settings.tty;
  io.close_stdin = settings.close_stdin && !settings.interactive;
  // The container's terminal does the line discipline; the local one must
  // pass bytes through untouched, or "\n" would become "\r\r\n".
  std::optional<container::RawTerminal> raw;
  if (settings.tty) raw.emplace(STDIN_FILENO);
  std::optional<SignalProxy> proxy;
  if (settings.sig_proxy) {
    proxy.emplace();
    io.signal_fd = proxy->fd();
    io.on_signal = [&engine, &id](int sig) {
      try {
        engine.kill(id, std::to_string(sig));
      } catch (const Error& e) {
        spdlog::debug("forwarding signal {} to {}: {}", sig, id, e.what());
      }
    };
  }
  return container::attach_stream(socket_fd, io);
}

}  // namespace berth::cli
