#include <cstdio>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::cli {

void add_push(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::PushRequest request;
    std::string creds;
    std::string tls_verify;
    std::string digestfile;
    bool quiet = false;
    bool remove_signatures = false;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;
  auto* cmd = parent.add_subcommand("push", "Push an image to a registry");
  cmd->add_option("image", request.image, "Local image name or ID")->required();
  cmd->add_option("destination", request.destination,
                  "Destination reference, optionally with docker:// (default: the image's name)");
  cmd->add_option("--creds", options->creds, "Registry credentials as USERNAME[:PASSWORD]");
  cmd->add_option("--tls-verify", options->tls_verify,
                  "Require HTTPS and verify certificates (true or false)")
      ->expected(0, 1)
      ->default_str("true");
  cmd->add_option("--cert-dir", request.access.cert_dir,
                  "Directory with certificates (*.crt) for the registry");
  cmd->add_option("--authfile", request.access.authfile,
                  "Path of the auth file to read credentials from");
  cmd->add_option("-f,--format", request.format,
                  "Manifest format: oci or v2s2 (default: the pulled manifest's, else oci)");
  cmd->add_option("--compression-format", request.compression_format,
                  "Compression of recompressed layers: gzip or zstd")
      ->default_str("gzip");
  cmd->add_option("--digestfile", options->digestfile,
                  "File to write the pushed manifest's digest to");
  cmd->add_flag("-q,--quiet", options->quiet, "Print no progress");
  cmd->add_flag("--remove-signatures", options->remove_signatures,
                "Push without signatures (berth copies none yet)");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      // apply_registry_flags parses --creds and --tls-verify into a pull
      // request; push takes the same values.
      engine::PullRequest parsed;
      apply_registry_flags(parsed, options->creds, options->tls_verify);
      auto& access = options->request.access;
      access.tls_verify = parsed.tls_verify;
      access.username = parsed.username;
      access.password = parsed.password;
      StderrPullProgress progress(options->quiet);
      std::string digest = cli.engine().push(options->request, progress);
      if (!options->digestfile.empty()) {
        os::write_file_atomic(options->digestfile, digest, 0644);
      }
      return 0;
    };
  });
}

}  // namespace berth::cli
