// Streaming routes of both APIs: container logs and events.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <thread>

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/engine.hpp"
#include "events/events.hpp"
#include "os/fd.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;

// A time query parameter in Unix seconds (fractions allowed) or an RFC
// 3339 time, or nullopt when absent, 0 or Go's zero time, which Podman's
// client sends for an unset since or until.
std::optional<std::int64_t> time_param(Exchange& x, const char* name) {
  auto value = x.query().get(name);
  if (!value || value->empty() || *value == "0" || value->starts_with("0001-01-01T00:00:00")) {
    return std::nullopt;
  }
  return parse_time_or_duration(*value);
}

void logs(Exchange& x) {
  bool want_stdout = x.query().flag("stdout", x.libpod());
  bool want_stderr = x.query().flag("stderr", x.libpod());
  if (!want_stdout && !want_stderr) {
    fail(ErrorCode::kInvalidArgument, "you must choose at least one stream: stdout or stderr");
  }
  container::LogOptions options;
  options.follow = x.query().flag("follow", false);
  options.timestamps = x.query().flag("timestamps", false);
  options.since_ns = time_param(x, "since");
  options.until_ns = time_param(x, "until");
  std::string tail = x.query().get("tail").value_or("all");
  if (!tail.empty() && tail != "all") {
    auto lines = x.query().integer("tail");
    if (*lines >= 0) options.tail = static_cast<std::size_t>(*lines);
  }
  json inspect = x.engine().inspect_container(x.param("name"));
  if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
  bool tty = inspect["Config"].value("Tty", false);
  std::string id = inspect.value("Id", x.param("name"));

  // The engine writes to two pipes from its own thread; this thread frames
  // what arrives. A client that goes away closes the pipes, and the
  // engine's next write fails.
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    fail_errno(errno, "creating a pipe for logs");
  }
  os::Fd out_read(out_pipe[0]), err_read(err_pipe[0]);
  os::Fd out_write(out_pipe[1]), err_write(err_pipe[1]);
  x.begin_stream(status::ok, tty ? "application/vnd.docker.raw-stream"
                                 : "application/vnd.docker.multiplexed-stream");
  engine::Engine& engine = x.engine();
  std::string error;
  std::thread writer([&, ow = std::move(out_write), ew = std::move(err_write)]() mutable {
    try {
      engine.logs({id}, options, ow.get(), ew.get());
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  // The client's socket is polled too: when it hangs up while the
  // container prints nothing, closing the pipes ends the engine's follow.
  // A half-close of its write side is no hang-up.
  std::array<pollfd, 3> polled = {pollfd{out_read.get(), POLLIN, 0},
                                  pollfd{err_read.get(), POLLIN, 0},
                                  pollfd{x.client_fd(), 0, 0}};
  int open_pipes = 2;
  bool client_gone = false;
  char buffer[32768];
  while (open_pipes > 0) {
    if (::poll(polled.data(), polled.size(), -1) < 0 && errno != EINTR) break;
    if ((polled[2].revents & (POLLHUP | POLLERR)) != 0) {
      spdlog::debug("api: the logs client of {} has hung up", id.substr(0, 12));
      client_gone = true;
      out_read.reset();
      err_read.reset();
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (polled[i].fd < 0 || !(polled[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(polled[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        polled[i].fd = -1;
        --open_pipes;
        continue;
      }
      bool wanted = i == 0 ? want_stdout : want_stderr;
      if (!wanted || client_gone) continue;
      std::string_view data(buffer, static_cast<std::size_t>(n));
      bool sent = tty ? x.write_chunk(data) : x.write_chunk(multiplexed_frame(i + 1, data));
      if (!sent) {
        // Stop reading: the engine's writes now fail and it returns.
        client_gone = true;
        out_read.reset();
        err_read.reset();
        open_pipes = 0;
      }
    }
  }
  writer.join();
  if (!error.empty() && !client_gone) {
    x.write_chunk(tty ? error + "\n" : multiplexed_frame(2, error + "\n"));
  }
  x.end_stream();
}

// Docker's name for an action berth records under Podman's name;
// attributes are the event's, parsed.
std::string docker_action(const state::EventRecord& event, const json& attributes) {
  const std::string& status = event.status;
  if (status == "died") return "die";
  if (status == "exec_died") return "exec_die";
  if (status == "remove") return event.type == "image" ? "delete" : "destroy";
  if (status == "exec") return "exec_start";
  if (status == "loadfromarchive") return "load";
  if (status == "health_status") {
    // Docker puts the new status in the action: "health_status: healthy".
    if (attributes.contains("health_status") && attributes["health_status"].is_string()) {
      return status + ": " + attributes["health_status"].get<std::string>();
    }
  }
  return status;
}

// Returns whether Docker has the event's action. Podman's container
// actions init, cleanup, mount and unmount have no Docker counterpart, so
// the compat route leaves them out.
bool is_docker_event(const state::EventRecord& event) {
  if (event.type != "container") return true;
  const std::string& status = event.status;
  return status != "init" && status != "cleanup" && status != "mount" && status != "unmount";
}

// An event as both APIs send it: Docker's shape, with Docker's action
// names (compat) or Podman's (libpod). Podman's clients read a container's
// exit code from the containerExitCode attribute and its pod from podId.
json event_json(const state::EventRecord& event, bool libpod) {
  json attributes = json::parse(event.attributes, nullptr, false);
  if (!attributes.is_object()) attributes = json::object();
  if (!event.name.empty()) attributes["name"] = event.name;
  if (!event.image.empty()) attributes["image"] = event.image;
  if (libpod) {
    // Podman 4's client reads containerExitCode from every event and
    // fails on an event without it, so others carry "0" as Podman sends.
    attributes["containerExitCode"] = std::to_string(event.exit_code.value_or(0));
  } else if (event.exit_code) {
    attributes["exitCode"] = std::to_string(*event.exit_code);
  }
  // Podman's clients read a member's pod from podId.
  if (libpod && !event.pod_id.empty()) attributes["podId"] = event.pod_id;
  std::string id = event.object_id.empty() ? event.name : event.object_id;
  std::string action = libpod ? event.status : docker_action(event, attributes);
  return {{"status", action},
          {"id", id},
          {"from", event.image},
          {"Type", event.type},
          {"Action", action},
          {"Actor", {{"ID", id}, {"Attributes", attributes}}},
          {"scope", "local"},
          {"time", event.time_ns / 1000000000},
          {"timeNano", event.time_ns}};
}

void events_route(Exchange& x) {
  auto filters = parse_filters(x.query().get("filters").value_or(""));
  events::Filter filter(filters, x.query().get("since").value_or(""),
                        x.query().get("until").value_or(""));
  engine::EventsRequest request;
  request.stream = x.query().flag("stream", true);
  request.history = !request.stream || filter.since_ns() || filter.until_ns();
  request.until_ns = filter.until_ns();
  int client = x.client_fd();
  request.keep_going = [client] { return !peer_closed(client); };
  // Headers go out at once, so a client sees the stream begin before the
  // first event.
  x.begin_stream(status::ok, "application/json");
  bool libpod = x.libpod();
  x.engine().read_events(request, [&](const state::EventRecord& event) {
    if (!filter.matches(event) || (!libpod && !is_docker_event(event))) return true;
    return x.write_chunk(json_text(event_json(event, libpod)) + "\n");
  });
  x.end_stream();
}

}  // namespace

void add_stream_routes(Router& router) {
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add(verb::get, p + "/containers/{name}/logs", logs);
    router.add(verb::get, p + "/events", events_route);
  }
}

}  // namespace berth::api
