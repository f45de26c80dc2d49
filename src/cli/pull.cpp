#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "os/fd.hpp"
#include "os/file.hpp"

namespace berth::cli {

void StderrPullProgress::trying(const std::string& reference) {
  if (quiet_) return;
  print("Trying to pull " + reference + "...");
}

void StderrPullProgress::resolved_short_name(const std::string& description) {
  if (quiet_) return;
  print(description);
}

void StderrPullProgress::copying_blob(const std::string& digest, bool already_exists) {
  if (quiet_) return;
  print_signatures_line();
  if (bars_ && bars_->has(digest)) {
    bars_->finish(digest);
    return;
  }
  print("Copying blob " + short_hex(digest) + (already_exists ? " skipped: already exists" : " done"));
}

void StderrPullProgress::copying_config(const std::string& digest) {
  if (quiet_) return;
  print_signatures_line();
  print("Copying config " + short_hex(digest) + " done");
}

void StderrPullProgress::writing_manifest() {
  if (quiet_) return;
  print("Writing manifest to image destination");
}

// Asks for a password on the terminal without echo, as Podman does when
// --creds has no ":PASSWORD". Throws Error when there is no terminal.
std::string prompt_password(const std::string& username) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    fail(ErrorCode::kInvalidArgument,
         "--creds \"{}\" has no password and there is no terminal to ask for it: use "
         "--creds {}:PASSWORD",
         username, username);
  }
  os::Fd tty(fd);
  os::write_all(tty.get(), "Password: ");
  termios original;
  bool restore = ::tcgetattr(tty.get(), &original) == 0;
  if (restore) {
    termios silent = original;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty.get(), TCSANOW, &silent);
  }
  std::string password;
  char c;
  while (::read(tty.get(), &c, 1) == 1 && c != '\n') password.push_back(c);
  if (restore) ::tcsetattr(tty.get(), TCSANOW, &original);
  os::write_all(tty.get(), "\n");
  return password;
}

void add_registry_flags(CLI::App& app, engine::PullRequest& request, std::string& creds,
                        std::string& tls_verify) {
  app.add_option("--creds", creds, "Registry credentials as USERNAME[:PASSWORD]");
  app.add_option("--tls-verify", tls_verify,
                 "Require HTTPS and verify certificates (true or false)")
      ->expected(0, 1)
      ->default_str("true");
  app.add_option("--cert-dir", request.cert_dir,
                 "Directory with certificates (*.crt) for the registry");
  app.add_option("--platform", request.platform, "Platform to pick from a multi-arch image");
  app.add_option("--authfile", request.authfile,
                 "Path of the auth file to read credentials from");
}

void apply_registry_flags(engine::PullRequest& request, const std::string& creds,
                          const std::string& tls_verify) {
  if (!creds.empty()) {
    auto colon = creds.find(':');
    request.username = creds.substr(0, colon);
    if (request.username->empty()) {
      fail(ErrorCode::kInvalidArgument, "invalid --creds: the user name is empty");
    }
    if (colon != std::string::npos) {
      request.password = creds.substr(colon + 1);
    } else {
      request.password = prompt_password(*request.username);
    }
  }
  if (tls_verify == "true" || tls_verify == "1") {
    request.tls_verify = true;
  } else if (tls_verify == "false" || tls_verify == "0") {
    request.tls_verify = false;
  } else if (!tls_verify.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid --tls-verify value \"{}\": use true or false",
         tls_verify);
  }
}

void AccessFlags::add_to(CLI::App& cmd, bool with_creds) {
  cmd.add_option("--tls-verify", tls_verify,
                 "Require HTTPS and verify certificates (true or false)")
      ->expected(0, 1)
      ->default_str("true");
  cmd.add_option("--authfile", authfile, "Path of the auth file to read credentials from");
  cmd.add_option("--cert-dir", cert_dir, "Directory with certificates (*.crt) for the registry");
  if (with_creds) cmd.add_option("--creds", creds, "Registry credentials as USERNAME[:PASSWORD]");
}

engine::RegistryAccess AccessFlags::access() const {
  engine::PullRequest parsed;
  apply_registry_flags(parsed, creds, tls_verify);
  engine::RegistryAccess result;
  result.tls_verify = parsed.tls_verify;
  result.username = parsed.username;
  result.password = parsed.password;
  result.cert_dir = cert_dir;
  result.authfile = authfile;
  return result;
}

void add_pull(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::PullRequest request;
    std::string creds;
    std::string tls_verify;
    bool quiet = false;
    RetryFlags retry;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("pull", "Pull an image from a registry");
  cmd->add_option("image", options->request.reference, "Image reference")->required();
  cmd->add_flag("-q,--quiet", options->quiet, "Print only the image ID");
  add_registry_flags(*cmd, options->request, options->creds, options->tls_verify);
  add_retry_flags(*cmd, options->retry);
  // Trust: Podman keeps this flag hidden; tests use it.
  cmd->add_option("--signature-policy", options->request.signature_policy,
                  "Path of the signature policy file (default: policy.json)")
      ->group("");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      apply_registry_flags(options->request, options->creds, options->tls_verify);
      apply_retry_flags(options->retry, options->request.retry, options->request.retry_delay_ms);
      StderrPullProgress progress(options->quiet);
      std::string id = cli.engine().pull(options->request, progress);
      std::printf("%s\n", id.c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
