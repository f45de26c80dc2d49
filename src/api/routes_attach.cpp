// Hijacked streams of both APIs: attach, resize, and exec sessions
// (create, start, inspect, resize).

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include "api/exchange.hpp"
#include "api/pending_attach.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "container/attach.hpp"
#include "engine/engine.hpp"
#include "os/file.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;

struct PendingEntry {
  std::string id;
  os::Fd fd;
};

std::mutex g_pending_mutex;
std::map<int, PendingEntry> g_pending;  // by ticket; guarded by g_pending_mutex
int g_next_ticket = 1;                   // guarded by g_pending_mutex

// An exec session created but maybe not started yet.
struct ExecRecord {
  std::string container;
  container::ExecOptions options;
  std::string session;  // set once started
  bool running = false;
  std::optional<int> exit_code;
  // The write end of a pipe that the session's relay polls while its
  // stream is open; -1 otherwise. A resize stores the new size in
  // options and writes a byte here, so the relay's thread sends the size
  // to the monitor between its own frames.
  int resize_notify_fd = -1;
};

std::mutex g_exec_mutex;
std::map<std::string, ExecRecord> g_execs;  // by exec ID; guarded by g_exec_mutex

// Options of relay: the streams it carries and how its client detaches.
struct RelayOptions {
  bool tty = false;
  bool with_stdin = false;
  bool with_stdout = true;
  bool with_stderr = true;
  // A hang-up of the client is a detach that leaves the container's stdin
  // open (see container::AttachIo::hangup_detaches). Without this flag a
  // hang-up closes stdin, because an exec session's process must not wait
  // for input that cannot come.
  bool hangup_detaches = false;
  // Bytes that, typed by the client, end the attach as a detach.
  std::string detach_keys;
  // Input the client sent right behind its request.
  std::string pending_input;
  // When not -1, on_signal receives each byte read from it (see
  // container::AttachIo::signal_fd).
  int signal_fd = -1;
  std::function<void(int)> on_signal;
};

// Relays between the hijacked client socket and a monitor's attach socket
// until the process exits, the monitor goes away or the client detaches.
// Returns the exit code the monitor sent, if any, and whether the client
// detached.
container::AttachResult relay(int client, int monitor, const RelayOptions& options) {
  // A client that has gone ends the relay: the monitor's socket is shut
  // down, so attach_stream sees the end of its stream. A client that only
  // closed its writing side still gets the output.
  std::atomic<bool> finished{false};
  auto cut = [monitor] { ::shutdown(monitor, SHUT_RDWR); };
  std::thread watcher([&] {
    while (!finished) {
      if (peer_closed(client, false)) {
        cut();
        return;
      }
      ::usleep(200'000);
    }
  });
  container::AttachIo io;
  io.stdin_fd = options.with_stdin ? client : -1;
  io.hangup_detaches = options.hangup_detaches;
  // Detach keys apply to a terminal only, as in Docker's daemon.
  if (options.tty) io.detach_keys = options.detach_keys;
  if (options.with_stdin) io.pending_input = options.pending_input;
  io.signal_fd = options.signal_fd;
  io.on_signal = options.on_signal;
  io.on_output = [&](unsigned char stream, std::string_view payload) {
    bool wanted = stream == container::kStreamStdout ? options.with_stdout : options.with_stderr;
    if (!wanted) return;
    std::string data = options.tty ? std::string(payload) : multiplexed_frame(stream, payload);
    if (::send(client, data.data(), data.size(), MSG_NOSIGNAL) < 0 && errno != EINTR) cut();
  };
  container::AttachResult result;
  try {
    result = container::attach_stream(monitor, io);
  } catch (...) {
    finished = true;
    watcher.join();
    throw;
  }
  finished = true;
  watcher.join();
  return result;
}

json inspect_one(Exchange& x, const std::string& name) {
  json result = x.engine().inspect_container(name);
  if (result.is_array() && !result.empty()) result = result.front();
  return result;
}

// Returns the detach keys of an attach request as bytes. Without a
// detachKeys parameter the service watches for the keys containers.conf
// names, else ctrl-p,ctrl-q, as Docker's and Podman's services do, because
// Podman's remote client leaves the detach to the service unless the user
// names keys. An empty parameter
// turns the detach keys off (Podman's meaning; Docker clients never send
// one). Throws Error{kInvalidArgument} for an invalid value.
std::string request_detach_keys(Exchange& x) {
  if (auto keys = x.query().get("detachKeys")) return container::parse_detach_keys(*keys);
  return container::configured_detach_keys();
}

void attach(Exchange& x) {
  json inspect = inspect_one(x, x.param("name"));
  std::string id = inspect.value("Id", "");
  std::string state = inspect["State"].value("Status", "");
  RelayOptions options;
  options.tty = inspect["Config"].value("Tty", false);
  options.with_stdin = x.query().flag("stdin", false);
  options.with_stdout = x.query().flag("stdout", false);
  options.with_stderr = x.query().flag("stderr", false);
  options.hangup_detaches = true;
  options.detach_keys = request_detach_keys(x);
  os::Fd monitor;
  int ticket = 0;
  if (state == "running" || state == "paused") {
    monitor = os::Fd(container::connect_attach_socket(x.engine().attach_socket(id)));
  } else {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      fail_errno(errno, "creating the attach socket pair");
    }
    monitor = os::Fd(pair[0]);
    ticket = add_pending_attach(id, os::Fd(pair[1]));
  }
  int client = x.hijack(options.tty ? "application/vnd.docker.raw-stream"
                                    : "application/vnd.docker.multiplexed-stream",
                        options.pending_input);
  try {
    if (relay(client, monitor.get(), options).detached) {
      spdlog::debug("api: attach to {}: the client detached", id);
    }
  } catch (const std::exception& e) {
    spdlog::debug("api: attach to {}: {}", id, e.what());
  }
  if (ticket) withdraw_pending_attach(ticket);
}

std::uint16_t size_param(Exchange& x, const char* name) {
  auto value = x.query().integer(name);
  if (!value || *value < 0 || *value > 65535) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": want a number of 0 to 65535", name,
         x.query().get(name).value_or(""));
  }
  return static_cast<std::uint16_t>(*value);
}

void resize(Exchange& x) {
  auto rows = size_param(x, "h");
  auto columns = size_param(x, "w");
  json inspect = inspect_one(x, x.param("name"));
  std::string state = inspect["State"].value("Status", "");
  if (state != "running" && state != "paused") {
    fail(ErrorCode::kConflict, "cannot resize container {}: it is not running: container state improper",
         x.param("name"));
  }
  os::Fd monitor(container::connect_attach_socket(
      x.engine().attach_socket(inspect.value("Id", ""))));
  container::send_resize(monitor.get(), rows, columns);
  x.reply_text(status::ok, "text/plain", "");
}

std::vector<std::string> string_list(const json& body, const char* key) {
  std::vector<std::string> out;
  if (!body.contains(key) || body[key].is_null()) return out;
  if (!body[key].is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want a list of strings", key);
  }
  for (const auto& item : body[key]) {
    if (!item.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid {} in the request body: want a list of strings",
           key);
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

// Reads ConsoleSize ([rows, columns]) of an exec create body as the
// terminal size the session starts with. berth's remote client sends it.
void read_console_size(const json& body, container::ExecOptions& options) {
  if (!body.contains("ConsoleSize") || body["ConsoleSize"].is_null()) return;
  const json& size = body["ConsoleSize"];
  auto valid = [](const json& value) {
    return value.is_number_unsigned() && value.get<std::uint64_t>() <= 65535;
  };
  if (!size.is_array() || size.size() != 2 || !valid(size[0]) || !valid(size[1])) {
    fail(ErrorCode::kInvalidArgument,
         "invalid ConsoleSize {} in the request body: want [rows, columns] of 0 to 65535",
         size.dump());
  }
  options.terminal_rows = size[0].get<std::uint16_t>();
  options.terminal_columns = size[1].get<std::uint16_t>();
}

void exec_create(Exchange& x) {
  json body = x.json_body();
  if (!body.is_object()) fail(ErrorCode::kInvalidArgument, "invalid request body: want an object");
  ExecRecord record;
  json inspect = inspect_one(x, x.param("name"));
  record.container = inspect.value("Id", "");
  std::string state = inspect["State"].value("Status", "");
  if (state != "running") {
    // The local exec's message, so that the remote client prints the same.
    std::string name = inspect.value("Name", x.param("name"));
    if (name.starts_with("/")) name.erase(0, 1);
    fail(ErrorCode::kConflict,
         "can only create exec sessions on running containers: container \"{}\" is {}: "
         "container state improper",
         name, state);
  }
  auto& o = record.options;
  o.command = string_list(body, "Cmd");
  if (o.command.empty()) fail(ErrorCode::kInvalidArgument, "no command given: the body needs Cmd");
  o.env = string_list(body, "Env");
  if (body.contains("User") && body["User"].is_string() && !body["User"].get<std::string>().empty()) {
    o.user = body["User"].get<std::string>();
  }
  if (body.contains("WorkingDir") && body["WorkingDir"].is_string() &&
      !body["WorkingDir"].get<std::string>().empty()) {
    o.working_dir = body["WorkingDir"].get<std::string>();
  }
  o.tty = body.value("Tty", false);
  read_console_size(body, o);
  o.interactive = body.value("AttachStdin", false);
  o.privileged = body.value("Privileged", false);
  std::string exec_id = random_id();
  {
    std::lock_guard lock(g_exec_mutex);
    g_execs[exec_id] = std::move(record);
  }
  x.reply_json(status::created, json{{"Id", exec_id}});
}

ExecRecord exec_record(const std::string& exec_id) {
  std::lock_guard lock(g_exec_mutex);
  auto it = g_execs.find(exec_id);
  if (it == g_execs.end()) {
    fail(ErrorCode::kNotFound, "no exec session with ID {} found: no such exec session", exec_id);
  }
  return it->second;
}

// Records that exec_id runs as session.
void mark_started(const std::string& exec_id, const std::string& session) {
  std::lock_guard lock(g_exec_mutex);
  g_execs[exec_id].session = session;
  g_execs[exec_id].running = true;
}

// Sends the size last stored for exec_id to the session's monitor.
void send_exec_size(const std::string& exec_id, int monitor) {
  std::uint16_t rows = 0;
  std::uint16_t columns = 0;
  {
    std::lock_guard lock(g_exec_mutex);
    const auto& options = g_execs[exec_id].options;
    rows = options.terminal_rows;
    columns = options.terminal_columns;
  }
  if (rows == 0 || columns == 0) return;
  try {
    container::send_resize(monitor, rows, columns);
  } catch (const Error& e) {
    // The monitor has gone: the relay's next read ends the stream.
    spdlog::debug("api: resizing exec {}: {}", exec_id, e.what());
  }
}

void exec_start(Exchange& x) {
  std::string exec_id = x.param("id");
  ExecRecord record = exec_record(exec_id);
  if (!record.session.empty()) {
    fail(ErrorCode::kConflict, "exec session {} has already been started: exec session state improper",
         exec_id);
  }
  json body = x.json_body();
  bool detach = body.is_object() && body.value("Detach", false);
  int pair[2] = {-1, -1};
  os::Fd ours, theirs;
  if (!detach) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      fail_errno(errno, "creating the attach socket pair");
    }
    ours = os::Fd(pair[0]);
    theirs = os::Fd(pair[1]);
    record.options.attach_fd = theirs.get();
  }
  if (detach) {
    std::string session = x.engine().exec(record.container, record.options);
    mark_started(exec_id, session);
    x.reply_json(status::ok, json::object());
    return;
  }
  // The connection is taken first, so a command that cannot run is
  // reported inside the stream, where Docker clients print it.
  std::string pending_input;
  bool tty = record.options.tty;
  int client = x.hijack(tty ? "application/vnd.docker.raw-stream"
                            : "application/vnd.docker.multiplexed-stream",
                        pending_input);
  // Resizes that arrive from here on wake the relay through this pipe. A
  // resize that came earlier sets the size the process starts with.
  int notify[2] = {-1, -1};
  if (::pipe2(notify, O_CLOEXEC | O_NONBLOCK) != 0) fail_errno(errno, "creating a resize pipe");
  os::Fd resize_read(notify[0]), resize_write(notify[1]);
  {
    std::lock_guard lock(g_exec_mutex);
    ExecRecord& current = g_execs[exec_id];
    current.resize_notify_fd = resize_write.get();
    record.options.terminal_rows = current.options.terminal_rows;
    record.options.terminal_columns = current.options.terminal_columns;
  }
  auto stop_notifying = [&exec_id] {
    std::lock_guard lock(g_exec_mutex);
    g_execs[exec_id].resize_notify_fd = -1;
  };
  std::string session;
  try {
    session = x.engine().exec(record.container, record.options);
  } catch (const Error& e) {
    stop_notifying();
    spdlog::debug("api: exec {} in {} failed to start: {}", exec_id, record.container, e.what());
    // Podman's clients print the stream as it is, so the libpod form
    // carries the "Error: " that the local exec prints.
    std::string message = (x.libpod() ? "Error: " : "") + std::string(e.what()) + "\n";
    std::string data = tty ? message : multiplexed_frame(container::kStreamStderr, message);
    ::send(client, data.data(), data.size(), MSG_NOSIGNAL);
    // Docker's daemon reports 126 for any exec its runtime could not
    // start; Podman's API keeps 127 for a missing command.
    int code = x.libpod() && e.code() == ErrorCode::kCommandNotFound ? 127 : 126;
    std::lock_guard lock(g_exec_mutex);
    g_execs[exec_id].exit_code = code;
    g_execs[exec_id].session = "failed";
    return;
  }
  theirs.reset();
  mark_started(exec_id, session);
  std::optional<int> code;
  try {
    RelayOptions options;
    options.tty = tty;
    options.with_stdin = record.options.interactive;
    options.pending_input = std::move(pending_input);
    options.signal_fd = resize_read.get();
    int monitor = ours.get();
    options.on_signal = [&exec_id, monitor](int) { send_exec_size(exec_id, monitor); };
    code = relay(client, ours.get(), options).exit_code;
  } catch (const std::exception& e) {
    spdlog::debug("api: exec {}: {}", exec_id, e.what());
  }
  stop_notifying();
  if (!code) code = x.engine().exec_exit_code(record.container, session);
  if (code) x.engine().exec_finished(record.container, session, *code);
  std::lock_guard lock(g_exec_mutex);
  g_execs[exec_id].running = false;
  g_execs[exec_id].exit_code = code;
}

void exec_inspect(Exchange& x) {
  std::string exec_id = x.param("id");
  ExecRecord record = exec_record(exec_id);
  if (record.running && !record.session.empty()) {
    if (auto code = x.engine().exec_exit_code(record.container, record.session)) {
      record.running = false;
      record.exit_code = code;
    }
  }
  json process = {{"entrypoint", record.options.command.empty() ? "" : record.options.command[0]},
                  {"arguments", record.options.command.size() > 1
                                    ? json(std::vector<std::string>(record.options.command.begin() + 1,
                                                                    record.options.command.end()))
                                    : json::array()},
                  {"privileged", record.options.privileged},
                  {"tty", record.options.tty},
                  {"user", record.options.user.value_or("")}};
  x.reply_json(status::ok, json{{"ID", exec_id},
                                {"Running", record.running},
                                {"ExitCode", record.exit_code.value_or(0)},
                                {"ProcessConfig", process},
                                {"OpenStdin", record.options.interactive},
                                {"OpenStdout", true},
                                {"OpenStderr", true},
                                {"ContainerID", record.container},
                                {"Pid", 0},
                                {"CanRemove", false},
                                {"DetachKeys", ""}});
}

// POST /exec/{id}/resize?h=ROWS&w=COLUMNS: a session that has not started
// yet starts with this size. A running session's terminal gets it through
// the relay of its stream. A detached session has no relay, so its
// terminal keeps its size.
void exec_resize(Exchange& x) {
  auto rows = size_param(x, "h");
  auto columns = size_param(x, "w");
  std::string exec_id = x.param("id");
  {
    std::lock_guard lock(g_exec_mutex);
    auto it = g_execs.find(exec_id);
    if (it == g_execs.end()) {
      fail(ErrorCode::kNotFound, "no exec session with ID {} found: no such exec session", exec_id);
    }
    it->second.options.terminal_rows = rows;
    it->second.options.terminal_columns = columns;
    if (it->second.resize_notify_fd >= 0) {
      // A full pipe already contains a wake-up, after which the relay reads
      // the newest size.
      char byte = SIGWINCH;
      [[maybe_unused]] ssize_t written = ::write(it->second.resize_notify_fd, &byte, 1);
    }
  }
  x.reply_text(status::created, "text/plain", "");
}

}  // namespace

int add_pending_attach(const std::string& id, os::Fd monitor_end) {
  std::lock_guard lock(g_pending_mutex);
  int ticket = g_next_ticket++;
  g_pending[ticket] = PendingEntry{id, std::move(monitor_end)};
  return ticket;
}

os::Fd take_pending_attach(const std::string& id) {
  std::lock_guard lock(g_pending_mutex);
  for (auto it = g_pending.begin(); it != g_pending.end(); ++it) {
    if (it->second.id == id) {
      os::Fd fd = std::move(it->second.fd);
      g_pending.erase(it);
      return fd;
    }
  }
  return {};
}

void withdraw_pending_attach(int ticket) {
  std::lock_guard lock(g_pending_mutex);
  g_pending.erase(ticket);
}

void add_attach_routes(Router& router) {
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add(verb::post, p + "/containers/{name}/attach", attach);
    router.add(verb::post, p + "/containers/{name}/resize", resize);
    router.add(verb::post, p + "/containers/{name}/exec", exec_create);
    router.add(verb::post, p + "/exec/{id}/start", exec_start);
    router.add(verb::get, p + "/exec/{id}/json", exec_inspect);
    router.add(verb::post, p + "/exec/{id}/resize", exec_resize);
  }
}

}  // namespace berth::api
