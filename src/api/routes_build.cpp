// Image build routes: Docker's POST /build and Podman's POST /libpod/build.
// The body is a tar of the build context, plain or compressed. It is
// extracted into a private directory as it arrives, and the build's output
// goes back as a stream of JSON lines.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <optional>
#include <thread>

#include "api/build_query.hpp"
#include "api/exchange.hpp"
#include "api/images_auth.hpp"
#include "api/images_progress.hpp"
#include "api/images_request.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "config/auth_file.hpp"
#include "engine/engine.hpp"
#include "engine/scratch_dir.hpp"
#include "os/fd.hpp"
#include "storage/layer_extract.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::ordered_json;

// Returns the directory that build contexts are extracted under:
// /var/tmp/berth-build-contexts for root, with "-UID" for other users. A
// context that a killed service left behind is removed by the next build
// (see ScratchDir).
std::string context_root() {
  std::string root = "/var/tmp/berth-build-contexts";
  if (::geteuid() != 0) root += "-" + std::to_string(::geteuid());
  return root;
}

// Extracts the request body into dir while it is read. This thread copies
// the body from the socket into a pipe and a helper thread extracts from
// the pipe, so the context never sits in memory or twice on disk. Throws
// Error{kInvalidArgument} for a body that is not a tar, has an entry that
// leaves dir, or is cut off.
void receive_context(Exchange& x, const std::string& dir) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno(errno, "creating a pipe for the build context");
  os::Fd read_end(fds[0]);
  os::Fd write_end(fds[1]);

  std::exception_ptr extract_error;
  std::thread extractor([&] {
    try {
      storage::extract_layer(read_end.get(), dir);
      // Take what follows the end-of-archive blocks, so that the writer
      // never blocks on a full pipe.
      char sink[1 << 14];
      while (::read(read_end.get(), sink, sizeof sink) > 0) {
      }
    } catch (...) {
      extract_error = std::current_exception();
    }
    // The writer then fails with EPIPE instead of waiting.
    read_end.reset();
  });
  std::exception_ptr body_error;
  try {
    x.read_body_to(write_end.get());
  } catch (...) {
    body_error = std::current_exception();
  }
  write_end.reset();
  extractor.join();
  // A broken tar also fails the body's write to the pipe (EPIPE), and a
  // body cut off also fails the extraction. The read error of the body
  // names the cause in the second case, the extraction's in the first.
  if (body_error) {
    try {
      std::rethrow_exception(body_error);
    } catch (const Error& e) {
      if (!extract_error || e.code() == ErrorCode::kInvalidArgument) throw;
    }
  }
  if (extract_error) {
    try {
      std::rethrow_exception(extract_error);
    } catch (const Error& e) {
      std::string cause = e.what();
      if (cause.find("Unrecognized archive format") != std::string::npos) {
        cause =
            "the request body is not a tar archive: send the context directory as a tar, "
            "plain or compressed";
      }
      throw Error(ErrorCode::kInvalidArgument, "invalid build context: " + cause);
    }
  }
}

// Passes the registry credentials of the request headers to the build's
// FROM pulls. One AuthConfig without a registry serves every registry, and
// a map of registries goes to the build as an auth file in auth_dir.
void add_credentials(Exchange& x, engine::BuildRequest& request, const std::string& auth_dir) {
  auto found = all_registry_credentials(x.header("X-Registry-Auth"), x.header("X-Registry-Config"));
  if (found.empty()) return;
  if (auto any = found.find(""); any != found.end()) {
    request.username = any->second.username;
    request.password = any->second.password;
    return;
  }
  auto file = config::AuthFile::parse("{}", auth_dir + "/auth.json");
  for (const auto& [registry, credentials] : found) file.set(registry, credentials);
  file.save();
  request.authfile = file.path();
}

// Stops the build when the client hangs up: a thread polls the client's
// socket and writes SIGHUP's number into the pipe that the build listens
// to (BuildRequest::stop_fd). Half-closing the write side is not hanging
// up. The destructor ends the thread.
class HangupWatch {
 public:
  explicit HangupWatch(int client_fd) {
    int build_pipe[2], quit_pipe[2];
    if (::pipe2(build_pipe, O_CLOEXEC) != 0 || ::pipe2(quit_pipe, O_CLOEXEC) != 0) {
      fail_errno(errno, "creating the pipes that stop a build");
    }
    stop_read_ = os::Fd(build_pipe[0]);
    stop_write_ = os::Fd(build_pipe[1]);
    quit_read_ = os::Fd(quit_pipe[0]);
    quit_write_ = os::Fd(quit_pipe[1]);
    thread_ = std::thread([this, client_fd] { watch(client_fd); });
  }
  ~HangupWatch() {
    unsigned char byte = 0;
    [[maybe_unused]] ssize_t n = ::write(quit_write_.get(), &byte, 1);
    thread_.join();
  }
  HangupWatch(const HangupWatch&) = delete;
  HangupWatch& operator=(const HangupWatch&) = delete;

  int stop_fd() const { return stop_read_.get(); }

 private:
  void watch(int client_fd) {
    while (true) {
      pollfd polled[2] = {{client_fd, 0, 0}, {quit_read_.get(), POLLIN, 0}};
      if (::poll(polled, 2, -1) < 0) {
        if (errno == EINTR) continue;
        spdlog::warn("api: watching the build's client for a hang-up failed: {}",
                     std::strerror(errno));
        return;
      }
      if (polled[1].revents != 0) return;
      if ((polled[0].revents & (POLLHUP | POLLERR)) != 0) {
        spdlog::info("api: the build's client has hung up; stopping the build");
        unsigned char byte = SIGHUP;
        [[maybe_unused]] ssize_t n = ::write(stop_write_.get(), &byte, 1);
        return;
      }
    }
  }

  os::Fd stop_read_, stop_write_, quit_read_, quit_write_;
  std::thread thread_;
};

// The text of the build as {"stream"} lines. A client that has gone stops
// the lines; HangupWatch stops the build.
class BuildOutput {
 public:
  explicit BuildOutput(JsonLineStream& out) : out_(out) {}

  void write(std::string_view text) {
    if (text.empty()) return;
    tail_ = (tail_ + std::string(text));
    if (tail_.size() > 200) tail_.erase(0, tail_.size() - 200);
    if (!out_.write({{"stream", std::string(text)}}) && !gone_) {
      gone_ = true;
      spdlog::info("api: the build's client has gone; no more output is sent");
    }
  }

  // Whether the text so far ends with line ("ID\n").
  bool ends_with(const std::string& line) const { return tail_.ends_with(line); }

 private:
  JsonLineStream& out_;
  std::string tail_;  // the end of the text, to avoid sending the ID twice
  bool gone_ = false;
};

// Sends what follows a successful build. Docker's CLI reads the ID from
// "aux" and prints the "Successfully" lines; Podman's client takes the last
// line that is a full image ID.
void finish_stream(Exchange& x, JsonLineStream& out, BuildOutput& output,
                   const engine::BuildRequest& request, const std::string& id) {
  std::string id_line = id + "\n";
  if (x.libpod()) {
    if (!output.ends_with(id_line)) output.write(id_line);
    return;
  }
  out.write({{"aux", {{"ID", "sha256:" + id}}}});
  if (request.quiet) {
    // Docker's CLI prints the stream of a quiet build, which is the ID.
    output.write("sha256:" + id + "\n");
    return;
  }
  output.write("Successfully built " + id.substr(0, 12) + "\n");
  for (const auto& tag : request.tags) output.write("Successfully tagged " + tag + "\n");
}

// POST /build and /libpod/build. Errors before the stream (a bad query or
// tar) get an error status. Errors of the build go inside the 200 stream.
void build(Exchange& x) {
  // The query is checked before the body is read.
  engine::ScratchDir scratch(context_root(), "context");
  engine::BuildRequest request = parse_build_query(x.query(), x.libpod(), scratch.path());
  // Docker clients send no TLS setting: FROM pulls follow Docker's rule.
  if (!x.libpod() && !request.tls_verify) request.registry_tls_verify = docker_tls_verify;
  std::optional<engine::ScratchDir> auth_dir;
  if (!x.header("X-Registry-Auth").empty() || !x.header("X-Registry-Config").empty()) {
    auth_dir.emplace(context_root(), "auth");
    add_credentials(x, request, auth_dir->path());
  }
  receive_context(x, scratch.path());
  spdlog::debug("api: building from the context in {}", scratch.path());
  HangupWatch hangup(x.client_fd());
  request.stop_fd = hangup.stop_fd();

  x.begin_stream(status::ok, "application/json");
  JsonLineStream out(x);
  BuildOutput output(out);
  LibpodProgress progress(out, request.quiet);
  try {
    // A quiet build's output is its bare ID, which Docker's API sends in
    // another form after the build.
    bool forward = x.libpod() || !request.quiet;
    std::string id = x.engine().build(
        request,
        [&](std::string_view text) {
          if (forward) output.write(text);
        },
        progress);
    finish_stream(x, out, output, request, id);
  } catch (const std::exception& e) {
    spdlog::info("api: build failed: {}", e.what());
    out.write(build_error_line(e, scratch.path()));
  }
  x.end_stream();
}

}  // namespace

void add_build_routes(Router& router) {
  router.add(verb::post, "/build", build);
  router.add(verb::post, "/libpod/build", build);
}

}  // namespace berth::api
