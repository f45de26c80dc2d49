// Remote client: attached run, start, attach and exec. The CLI speaks the
// monitor's attach protocol on a local socket (see container/attach.hpp).
// A relay thread carries it over a hijacked HTTP stream to the service, and
// sends the exit frame that the monitor would send.

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "common/log.hpp"
#include "container/attach.hpp"
#include "engine/remote_engine.hpp"

namespace berth::engine {

namespace {

using nlohmann::json;

// Both ends of one relay and what it does when the stream ends.
struct RelayEnds {
  os::Fd local;                 // the CLI's side, in the monitor's protocol
  api::HijackedStream remote;   // the service's side
  // Returns the exit code to send once the remote stream has ended.
  std::function<int()> exit_code;
  // Sends a terminal size (rows, columns) to the service.
  std::function<void(std::uint16_t, std::uint16_t)> resize;
};

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Sends one frame of the monitor's protocol: type, 32-bit big-endian
// length, payload.
bool send_frame(int fd, unsigned char type, std::string_view payload) {
  std::string frame(5, '\0');
  frame[0] = static_cast<char>(type);
  auto length = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) frame[1 + i] = static_cast<char>((length >> (24 - 8 * i)) & 0xff);
  frame.append(payload);
  return send_all(fd, frame);
}

std::uint32_t big_endian(std::string_view bytes) {
  std::uint32_t value = 0;
  for (unsigned char c : bytes) value = (value << 8) | c;
  return value;
}

// Forwards the service's output to the CLI; returns false when the CLI has
// gone. Multiplexed data is unframed first (8-byte Docker headers).
bool forward_output(RelayEnds& ends, std::string& pending) {
  if (!ends.remote.multiplexed) {
    bool sent = pending.empty() || send_frame(ends.local.get(), container::kStreamStdout, pending);
    pending.clear();
    return sent;
  }
  while (pending.size() >= 8) {
    std::uint32_t length = big_endian(std::string_view(pending).substr(4, 4));
    if (pending.size() < 8 + length) break;
    unsigned char stream =
        pending[0] == 2 ? container::kStreamStderr : container::kStreamStdout;
    if (!send_frame(ends.local.get(), stream, std::string_view(pending).substr(8, length))) {
      return false;
    }
    pending.erase(0, 8 + length);
  }
  return true;
}

// Handles the CLI's input frames: data goes to the service, the close of
// stdin half-closes the stream, sizes go through the resize route.
void forward_input(RelayEnds& ends, std::string& pending) {
  while (pending.size() >= 5) {
    std::uint32_t length = big_endian(std::string_view(pending).substr(1, 4));
    if (pending.size() < 5 + length) return;
    auto type = static_cast<unsigned char>(pending[0]);
    std::string_view payload = std::string_view(pending).substr(5, length);
    if (type == container::kInputData) {
      send_all(ends.remote.socket.get(), payload);
    } else if (type == container::kInputClose) {
      ::shutdown(ends.remote.socket.get(), SHUT_WR);
    } else if (type == container::kInputResize && payload.size() == 4 && ends.resize) {
      auto rows = static_cast<std::uint16_t>(big_endian(payload.substr(0, 2)));
      auto columns = static_cast<std::uint16_t>(big_endian(payload.substr(2, 2)));
      try {
        ends.resize(rows, columns);
      } catch (const Error& e) {
        spdlog::debug("remote: resizing to {}x{}: {}", rows, columns, e.what());
      }
    }
    pending.erase(0, 5 + length);
  }
}

// Copies between both ends until the service's stream ends (then sends the
// exit frame) or the CLI hangs up (a detach).
void run_relay(RelayEnds ends) {
  std::string output = std::move(ends.remote.pending);
  std::string input;
  if (!forward_output(ends, output)) return;
  pollfd polled[2] = {{ends.remote.socket.get(), POLLIN, 0}, {ends.local.get(), POLLIN, 0}};
  char buffer[65536];
  for (;;) {
    if (::poll(polled, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (polled[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(ends.local.get(), buffer, sizeof buffer);
      if (n <= 0) {
        // A hang-up without a close frame is a detach. Over TCP the service
        // can tell a reset, unlike a plain close, from the end of input, so
        // the container's stdin stays open.
        spdlog::debug("remote: the attach client hung up");
        linger reset{1, 0};
        ::setsockopt(ends.remote.socket.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        return;
      }
      input.append(buffer, static_cast<std::size_t>(n));
      forward_input(ends, input);
    }
    if (polled[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(ends.remote.socket.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      output.append(buffer, static_cast<std::size_t>(n));
      if (!forward_output(ends, output)) return;
    }
  }
  ends.remote.socket.reset();
  try {
    int code = ends.exit_code();
    send_frame(ends.local.get(), container::kStreamExit, std::to_string(code));
  } catch (const std::exception& e) {
    // The CLI then reports that the stream ended without an exit code.
    spdlog::debug("remote: reading the exit code: {}", e.what());
  }
}

os::Fd duplicate(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) fail_errno(errno, "duplicating the attach socket");
  return os::Fd(copy);
}

bool config_flag(const json& inspect, const char* key) {
  return inspect.contains("Config") && inspect["Config"].is_object() &&
         inspect["Config"].value(key, false);
}

std::string escape_query(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The query of an attach request. The CLI watches for the user's detach
// keys itself, so an empty detachKeys keeps the service from taking
// ctrl-p,ctrl-q out of the input when the user chose other keys.
std::string attach_query(bool stdin_open) {
  return std::string("/attach?stream=true&stdout=true&stderr=true&detachKeys=") +
         (stdin_open ? "&stdin=true" : "");
}

}  // namespace

void RemoteEngine::start_relay(std::function<void()> relay) {
  std::lock_guard lock(relays_mutex_);
  relays_.emplace_back(std::move(relay));
}

void RemoteEngine::start_attached(const std::string& name_or_id,
                                  const container::StartOptions& options) {
  json inspect = inspect_container(name_or_id);
  std::string id = inspect.value("Id", name_or_id);
  bool stdin_open = config_flag(inspect, "OpenStdin");
  bool auto_remove = inspect.contains("HostConfig") && inspect["HostConfig"].is_object() &&
                     inspect["HostConfig"].value("AutoRemove", false);
  std::string path = std::string(kLibpodPrefix) + "/containers/" + escape_query(id);

  auto ends = std::make_shared<RelayEnds>();
  ends->local = duplicate(options.attach_fd);
  // A --rm container is gone once it exits, so the wait that reports its
  // exit code must reach the service before the start.
  std::shared_ptr<api::OpenReply> removal;
  if (auto_remove) {
    removal = std::make_shared<api::OpenReply>(
        client_.open("POST", "/v1.41/containers/" + escape_query(id) + "/wait?condition=removed"));
  }
  ends->remote = client_.hijack("POST", path + attach_query(stdin_open));
  client_.send("POST", path + "/start");
  if (options.terminal_rows && options.terminal_columns) {
    try {
      client_.send("POST", fmt::format("{}/resize?h={}&w={}", path, options.terminal_rows,
                                       options.terminal_columns));
    } catch (const Error& e) {
      spdlog::debug("remote: resizing {}: {}", id, e.what());
    }
  }
  ends->exit_code = [this, id, removal] {
    if (removal) {
      auto reply = json::parse(removal->read_body(), nullptr, false);
      return reply.is_object() ? reply.value("StatusCode", 0) : 0;
    }
    return wait(id);
  };
  ends->resize = [this, path](std::uint16_t rows, std::uint16_t columns) {
    client_.send("POST", fmt::format("{}/resize?h={}&w={}", path, rows, columns));
  };
  start_relay([ends] { run_relay(std::move(*ends)); });
}

std::string RemoteEngine::attach_socket(const std::string& name_or_id) {
  json inspect = inspect_container(name_or_id);
  std::string id = inspect.value("Id", name_or_id);
  bool stdin_open = config_flag(inspect, "OpenStdin");
  std::string path = std::string(kLibpodPrefix) + "/containers/" + escape_query(id);

  char pattern[] = "/tmp/berth-attach-XXXXXX";
  if (!::mkdtemp(pattern)) fail_errno(errno, "creating a directory for the attach socket");
  std::string dir = pattern;
  {
    std::lock_guard lock(relays_mutex_);
    private_dirs_.push_back(dir);
  }
  std::string socket_path = dir + "/attach.sock";
  os::Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  if (!listener || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) ||
      ::listen(listener.get(), 1)) {
    fail_errno(errno, "creating the attach socket " + socket_path);
  }
  auto ends = std::make_shared<RelayEnds>();
  ends->remote = client_.hijack("POST", path + attach_query(stdin_open));
  ends->exit_code = [this, id] { return wait(id); };
  ends->resize = [this, path](std::uint16_t rows, std::uint16_t columns) {
    client_.send("POST", fmt::format("{}/resize?h={}&w={}", path, rows, columns));
  };
  auto shared_listener = std::make_shared<os::Fd>(std::move(listener));
  start_relay([ends, shared_listener] {
    // The CLI connects right after this method returns.
    pollfd polled{shared_listener->get(), POLLIN, 0};
    if (::poll(&polled, 1, 30'000) <= 0) return;
    ends->local = os::Fd(::accept4(shared_listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
    shared_listener->reset();
    if (ends->local) run_relay(std::move(*ends));
  });
  return socket_path;
}

std::string RemoteEngine::exec(const std::string& name_or_id,
                               const container::ExecOptions& options) {
  if (options.preserve_fds > 0) unsupported("exec --preserve-fds");
  json body = {{"Cmd", options.command},
               {"Env", options.env},
               {"Tty", options.tty},
               {"AttachStdin", options.interactive},
               {"AttachStdout", true},
               {"AttachStderr", true},
               {"Privileged", options.privileged}};
  if (options.user) body["User"] = *options.user;
  if (options.working_dir) body["WorkingDir"] = *options.working_dir;
  // The process starts with the terminal's size, before the first resize
  // can reach the service.
  if (options.tty && options.terminal_rows > 0 && options.terminal_columns > 0) {
    body["ConsoleSize"] = {options.terminal_rows, options.terminal_columns};
  }
  json created = client_.send_json(
      "POST", std::string(kLibpodPrefix) + "/containers/" + escape_query(name_or_id) + "/exec", body);
  std::string exec_id = created.value("Id", "");
  std::string start = std::string(kLibpodPrefix) + "/exec/" + escape_query(exec_id) + "/start";
  if (options.attach_fd < 0) {
    client_.send("POST", start, json{{"Detach", true}}.dump());
    return exec_id;
  }
  auto ends = std::make_shared<RelayEnds>();
  ends->local = duplicate(options.attach_fd);
  ends->remote = client_.hijack("POST", start, json{{"Detach", false}, {"Tty", options.tty}}.dump());
  ends->exit_code = [this, name_or_id, exec_id] {
    // The service records the code as its side of the stream ends.
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (auto code = exec_exit_code(name_or_id, exec_id)) return *code;
      ::usleep(100'000);
    }
    fail(ErrorCode::kInternal, "exec session {} still runs after its stream ended", exec_id);
  };
  std::string resize = std::string(kLibpodPrefix) + "/exec/" + escape_query(exec_id) + "/resize";
  ends->resize = [this, resize](std::uint16_t rows, std::uint16_t columns) {
    client_.send("POST", fmt::format("{}?h={}&w={}", resize, rows, columns));
  };
  start_relay([ends] { run_relay(std::move(*ends)); });
  return exec_id;
}

std::optional<int> RemoteEngine::exec_exit_code(const std::string& name_or_id,
                                                const std::string& session) {
  json reply = client_.send_json("GET", std::string(kLibpodPrefix) + "/exec/" +
                                            escape_query(session) + "/json");
  if (reply.value("Running", false)) return std::nullopt;
  return reply.value("ExitCode", 0);
}

void RemoteEngine::exec_finished(const std::string& name_or_id, const std::string& session,
                                 int exit_code) {}

}  // namespace berth::engine
