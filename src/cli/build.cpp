// build (also `image build`): makes an image from a Containerfile.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "build/interrupt.hpp"
#include "build/step_error.hpp"
#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "common/ids.hpp"
#include "os/file.hpp"

namespace berth::cli {

namespace {

struct BuildOptions {
  engine::BuildRequest request;
  std::vector<std::string> build_args;
  std::string pull = "missing";
  std::string iidfile;
  std::string context = ".";
  bool rm = true;
  AccessFlags access;  // --creds, --tls-verify, --cert-dir, --authfile for FROM pulls
};

// Maps --pull to a policy: a bare --pull or true is "always", false is
// "missing", as Podman 4 does.
std::string pull_policy(const std::string& value) {
  if (value == "true" || value.empty()) return "always";
  if (value == "false") return "missing";
  if (value == "always" || value == "missing" || value == "never" || value == "newer") {
    return value;
  }
  fail(ErrorCode::kInvalidArgument,
       "invalid --pull \"{}\": use always, missing, never, newer, true or false", value);
}

// Writes stdin to a file in dir and returns its path, for "-f -".
std::string stdin_to_file(const std::string& dir) {
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "reading the Containerfile from stdin");
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  std::string path = dir + "/berth-build-" + random_id().substr(0, 12) + ".Containerfile";
  os::write_file_atomic(path, text, 0600);
  return path;
}

// An empty temporary directory, removed when the object goes away.
struct EmptyDir {
  explicit EmptyDir(const std::string& parent) {
    std::string pattern = parent + "/berth-build-context-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      fail_errno(errno, "creating an empty build context in \"" + parent + "\"");
    }
    path = pattern;
  }
  ~EmptyDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  EmptyDir(const EmptyDir&) = delete;
  EmptyDir& operator=(const EmptyDir&) = delete;
  std::string path;
};

int run_build(Cli& cli, BuildOptions& o) {
  auto& r = o.request;
  r.context_dir = std::filesystem::absolute(o.context).lexically_normal().string();
  for (const auto& arg : o.build_args) {
    auto equals = arg.find('=');
    if (equals != std::string::npos) {
      r.build_args[arg.substr(0, equals)] = arg.substr(equals + 1);
    } else if (const char* value = std::getenv(arg.c_str())) {
      r.build_args[arg] = value;
    }
  }
  r.pull_policy = pull_policy(o.pull);
  r.remove = o.rm;
  engine::RegistryAccess access = o.access.access();
  r.username = access.username;
  r.password = access.password;
  r.tls_verify = access.tls_verify;
  r.cert_dir = access.cert_dir;
  r.authfile = access.authfile;
  const char* tmp = std::getenv("TMPDIR");
  std::string tmp_dir = tmp ? tmp : "/var/tmp";
  std::string stdin_file;
  // The context "-" is a Containerfile on stdin and an empty context, as in Podman.
  std::optional<EmptyDir> empty_context;
  if (o.context == "-") {
    empty_context.emplace(tmp_dir);
    r.context_dir = empty_context->path;
    if (r.containerfile.empty()) r.containerfile = "-";
  }
  if (r.containerfile == "-") {
    stdin_file = stdin_to_file(tmp_dir);
    r.containerfile = stdin_file;
  } else if (!r.containerfile.empty()) {
    // A relative -f that is missing in the working directory names a file
    // of the context directory, as Podman does.
    std::filesystem::path given(r.containerfile);
    std::error_code ec;
    if (given.is_relative() && !std::filesystem::exists(given, ec) &&
        std::filesystem::exists(std::filesystem::path(r.context_dir) / given, ec)) {
      given = std::filesystem::path(r.context_dir) / given;
    }
    r.containerfile = std::filesystem::absolute(given).lexically_normal().string();
  }
  StderrPullProgress progress(r.quiet);
  auto sink = [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  // A RUN step's stderr goes to stderr, even with -q, as in Podman.
  r.run_stderr = [](std::string_view text) {
    std::fflush(stdout);
    std::fwrite(text.data(), 1, text.size(), stderr);
  };
  std::string id;
  // A local build stops its step container on SIGINT, SIGTERM and SIGHUP;
  // a remote one keeps the default actions, which end berth at once.
  std::optional<build::StopSignals> stop_signals;
  if (!cli.remote()) stop_signals.emplace();
  try {
    id = cli.engine().build(r, sink, progress);
  } catch (const build::BuildInterrupted& e) {
    if (!stdin_file.empty()) ::unlink(stdin_file.c_str());
    std::fflush(stdout);
    return 128 + e.signal_number();
  } catch (const build::RunStepFailed& e) {
    if (!stdin_file.empty()) ::unlink(stdin_file.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "Error: %s\n", e.what());
    return e.exit_status();
  } catch (...) {
    if (!stdin_file.empty()) ::unlink(stdin_file.c_str());
    throw;
  }
  if (!stdin_file.empty()) ::unlink(stdin_file.c_str());
  if (!o.iidfile.empty()) os::write_file_atomic(o.iidfile, "sha256:" + id, 0644);
  return 0;
}

}  // namespace

void add_build(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<BuildOptions>();
  auto& r = o->request;
  auto* cmd =
      parent.add_subcommand("build", "Build an image using instructions from Containerfiles");
  cmd->add_option("context", o->context, "Build context directory (default \".\")");
  cmd->add_option("-t,--tag", r.tags, "Name and tag of the new image (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-f,--file", r.containerfile,
                  "Containerfile to read (\"-\" for stdin; default CONTEXT/Containerfile)");
  cmd->add_option("--build-arg", o->build_args, "ARG value KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--target", r.target, "Stage to build up to");
  cmd->add_option("--label", r.labels, "Label KEY=VALUE of the new image (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--annotation", r.annotations, "Annotation KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-cache", r.no_cache, "Do not use cached intermediate images");
  cmd->add_flag("--layers", r.layers, "Keep and reuse an image per step (default true)");
  // A flag, so that a bare --pull never takes the context argument as its value.
  cmd->add_flag("--pull{always}", o->pull,
                "Pull policy for FROM images: always, missing, never, newer (bare: always)");
  cmd->add_flag("-q,--quiet", r.quiet, "Print only the image ID");
  cmd->add_flag("--rm", o->rm, "Remove intermediate containers (default true)");
  cmd->add_flag("--force-rm", r.force_rm, "Remove intermediate containers even after a failure");
  cmd->add_option("--format", r.format, "Format of the image manifest: oci or docker")
      ->default_str("oci");
  cmd->add_option("--iidfile", o->iidfile, "File to write the new image's ID to");
  cmd->add_option("--network", r.network, "Network mode of RUN containers");
  cmd->add_option("--platform", r.platform, "Platform of FROM images (os/arch[/variant])");
  cmd->add_flag("--squash", r.squash, "Accepted; the layers are kept as they are");
  o->access.add_to(*cmd);
  cmd->callback([&cli, o] { cli.action = [&cli, o] { return run_build(cli, *o); }; });
}

}  // namespace berth::cli
