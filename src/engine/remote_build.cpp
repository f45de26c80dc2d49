// Building images through the service: the context directory goes to
// POST /libpod/build as a tar, and the reply's JSON lines carry the
// build's output, its image ID or its error.

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "build/step_error.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "engine/build_context.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

std::string bool_text(bool value) { return value ? "true" : "false"; }

// The Containerfile's path relative to context_dir, or nullopt when it is
// outside the context.
std::optional<std::string> path_in_context(const std::string& context_dir,
                                           const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path context = fs::weakly_canonical(context_dir, ec);
  fs::path path = fs::weakly_canonical(file, ec);
  std::string relative = path.lexically_relative(context).generic_string();
  if (relative.empty() || relative == "." || relative.starts_with("..")) return std::nullopt;
  return relative;
}

// The query of /libpod/build for request, without the dockerfile.
std::string build_query(const BuildRequest& request) {
  std::string query;
  for (const auto& tag : request.tags) query += "&t=" + escape(tag);
  json build_args = json::object();
  for (const auto& [key, value] : request.build_args) build_args[key] = value;
  query += "&buildargs=" + escape(build_args.dump());
  query += "&labels=" + escape(key_values_object(request.labels).dump());
  if (!request.annotations.empty()) {
    query += "&annotations=" + escape(json(request.annotations).dump());
  }
  if (!request.target.empty()) query += "&target=" + escape(request.target);
  query += "&nocache=" + bool_text(request.no_cache);
  // Podman reads the policy from pullpolicy and "pull" as "always".
  query += "&pullpolicy=" + escape(request.pull_policy);
  if (request.pull_policy == "always") query += "&pull=true";
  query += "&q=" + bool_text(request.quiet);
  query += "&rm=" + bool_text(request.remove);
  query += "&forcerm=" + bool_text(request.force_rm);
  query += "&layers=" + bool_text(request.layers);
  query += "&format=" + escape(request.format);
  query += "&outputformat=" +
           escape(request.format == "docker" ? "application/vnd.docker.distribution.manifest.v2+json"
                                             : "application/vnd.oci.image.manifest.v1+json");
  if (!request.network.empty()) query += "&networkmode=" + escape(request.network);
  if (!request.platform.empty()) query += "&platform=" + escape(request.platform);
  query += "&squash=" + bool_text(request.squash);
  if (request.tls_verify) query += "&tlsVerify=" + bool_text(*request.tls_verify);
  return query;
}

// Whether text is a full image ID and a newline, the line that ends the
// output of a build.
bool is_id_line(const std::string& text) {
  if (text.size() != 65 || text.back() != '\n') return false;
  return text.find_first_not_of("0123456789abcdef") == 64;
}

// Whether a stream line is pull progress of a FROM image, which a local
// build reports to PullProgress rather than to its output.
bool is_pull_line(const std::string& text) {
  for (const char* prefix : {"Trying to pull ", "Getting image source signatures",
                             "Copying blob ", "Copying config ", "Writing manifest",
                             "Storing signatures"}) {
    if (text.starts_with(prefix)) return true;
  }
  return false;
}

// Rebuilds the error of a {"error", "errorDetail"} line: a failed RUN
// keeps its exit status, so that `build` exits with it as locally.
[[noreturn]] void throw_stream_error(const json& line) {
  std::string message = string_or_empty(line, "error");
  if (line.contains("errorDetail") && line["errorDetail"].is_object()) {
    std::string detail = string_or_empty(line["errorDetail"], "message");
    if (!detail.empty()) message = detail;
  }
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (line.contains("berth_exit_status") && line["berth_exit_status"].is_number_integer()) {
    throw build::RunStepFailed(message, line["berth_exit_status"].get<int>());
  }
  json body = {{"message", message}};
  if (line.contains("berth_code")) body["berth_code"] = line["berth_code"];
  throw api::error_from_reply(500, body.dump());
}

// Checks the context directory and the Containerfile on this host, with
// the errors of a local build, and returns the context's canonical path.
// The service would name its own copy of the context in these errors.
std::string check_build_files(const BuildRequest& request) {
  namespace fs = std::filesystem;
  std::string context = request.context_dir.empty() ? "." : request.context_dir;
  std::error_code ec;
  if (!fs::is_directory(context, ec)) {
    fail(ErrorCode::kNotFound,
         "context directory \"{}\" does not exist: give an existing directory", context);
  }
  context = fs::canonical(context).string();
  if (request.containerfile.empty()) {
    if (!fs::exists(context + "/Containerfile", ec) && !fs::exists(context + "/Dockerfile", ec)) {
      fail(ErrorCode::kNotFound,
           "no Containerfile or Dockerfile in \"{}\": add one or name it with -f", context);
    }
  } else if (!fs::is_regular_file(request.containerfile, ec)) {
    fail(ErrorCode::kNotFound, "the Containerfile \"{}\" does not exist", request.containerfile);
  }
  return context;
}

// Returns the X-Registry-Auth value for the FROM pulls: --creds as one
// AuthConfig for every registry, else the "auths" map of --authfile, read
// on this host as Podman's remote client does. "" sends none.
std::string build_registry_auth(const BuildRequest& request) {
  if (!request.cert_dir.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "unknown flag: --cert-dir (it is not available with --remote)");
  }
  if (request.username) return registry_auth_value(request.username, request.password);
  if (request.authfile.empty()) return "";
  auto text = os::read_file_if_exists(request.authfile);
  if (!text) {
    fail(ErrorCode::kNotFound, "auth file \"{}\" given with --authfile not found",
         request.authfile);
  }
  json document = json::parse(*text, nullptr, false);
  if (!document.is_object() || !document.contains("auths") || !document["auths"].is_object()) {
    fail(ErrorCode::kInvalidArgument,
         "the auth file \"{}\" has no \"auths\" object: log in with --authfile to write one",
         request.authfile);
  }
  if (document["auths"].empty()) return "";
  return base64_encode(document["auths"].dump());
}

// An anonymous temporary file under /var/tmp, removed when closed.
os::Fd temporary_file() {
  int fd = ::open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) fail_errno(errno, "creating a temporary file in /var/tmp for the build context");
  return os::Fd(fd);
}

}  // namespace

std::string RemoteEngine::build(const BuildRequest& request,
                                const std::function<void(std::string_view)>& output,
                                PullProgress& progress) {
  std::string context = check_build_files(request);
  client_.set_registry_auth(build_registry_auth(request));
  auto ignore = ContextIgnoreFile::load(context);
  std::vector<std::string> always_include;
  std::vector<ExtraTarFile> extra_files;
  std::string dockerfile;
  if (!request.containerfile.empty()) {
    if (auto relative = path_in_context(context, request.containerfile)) {
      dockerfile = *relative;
      always_include.push_back(dockerfile);
    } else {
      // A Containerfile from outside the context travels in the tar under
      // a name that no context file has, and the ignore file that goes with
      // it excludes that name, so that COPY and ADD never see it.
      dockerfile = ".berth-containerfile-" + random_id().substr(0, 12);
      extra_files.push_back({request.containerfile, "", dockerfile});
      if (ignore.name.empty()) {
        extra_files.push_back({"", dockerfile + "\n.containerignore\n", ".containerignore"});
      } else {
        extra_files.push_back({"", ignore.text + "\n" + dockerfile + "\n", ignore.name});
      }
    }
  }
  os::Fd tar = temporary_file();
  write_context_tar(context, ignore, always_include, extra_files, tar.get());
  if (::lseek(tar.get(), 0, SEEK_SET) != 0) fail_errno(errno, "rewinding the build context");

  std::string target = libpod("/build?" + build_query(request).substr(1));
  if (!dockerfile.empty()) target += "&dockerfile=" + escape(dockerfile);
  std::string id;
  JsonLines lines([&](const json& line) {
    if (line.contains("error") || line.contains("errorDetail")) throw_stream_error(line);
    std::string text = string_or_empty(line, "stream");
    if (text.empty()) return true;
    // The builder ends its output with the image ID, also with quiet.
    if (is_id_line(text)) id = text.substr(0, 64);
    if (is_pull_line(text)) {
      report_progress_line(text, progress);
      return true;
    }
    output(text);
    return true;
  });
  // The output is passed on line by line as the service streams it.
  client_.stream_fd("POST", target, tar.get(), "application/x-tar",
                    [&](std::string_view data) { return lines.feed(data); });
  lines.feed("\n");
  if (id.empty()) {
    fail(ErrorCode::kInternal, "the service's build reply names no image ID");
  }
  return id;
}

}  // namespace berth::engine
