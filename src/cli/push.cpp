#include <cstdio>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"
#include "engine/digest_file.hpp"

namespace berth::cli {

void add_push(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::PushRequest request;
    AccessFlags registry;
    std::string digestfile;
    bool quiet = false;
    RetryFlags retry;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;
  auto* cmd = parent.add_subcommand("push", "Push an image to a registry");
  cmd->add_option("image", request.image, "Local image name or ID")->required();
  cmd->add_option("destination", request.destination,
                  "Destination reference, optionally with docker:// (default: the image's name)");
  options->registry.add_to(*cmd);
  cmd->add_option("-f,--format", request.format,
                  "Manifest format: oci or v2s2 (default: the pulled manifest's, else oci)");
  cmd->add_option("--compression-format", request.compression_format,
                  "Compression of recompressed layers: gzip or zstd")
      ->default_str("gzip");
  cmd->add_option("--compression-level", request.compression_level,
                  "Compression level of recompressed layers: gzip 1-9, zstd 1-20");
  cmd->add_option("--digestfile", options->digestfile,
                  "File to write the pushed manifest's digest to");
  cmd->add_flag("-q,--quiet", options->quiet, "Print no progress");
  // Trust: signing and the policy file.
  cmd->add_flag("--remove-signatures", request.remove_signatures,
                "Discard any pre-existing signatures of the image (berth keeps none)");
  cmd->add_option("--sign-by", request.sign_by,
                  "Sign the pushed manifest with this GnuPG key (fingerprint or user ID)");
  cmd->add_option("--signature-policy", request.signature_policy,
                  "Path of the signature policy file (default: policy.json)")
      ->group("");
  add_retry_flags(*cmd, options->retry);
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto& access = options->request.access;
      access = options->registry.access();
      apply_retry_flags(options->retry, access.retry, access.retry_delay_ms);
      const auto& digestfile = options->digestfile;
      if (!digestfile.empty()) engine::check_digest_file(digestfile);
      StderrPullProgress progress(options->quiet);
      std::string digest = cli.engine().push(options->request, progress);
      if (!digestfile.empty()) engine::write_digest_file(digestfile, digest);
      return 0;
    };
  });
}

}  // namespace berth::cli
