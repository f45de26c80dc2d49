// `save` and `load` (also `image save` and `image load`): image archives
// and directories.

#include <unistd.h>

#include <cstdio>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "common/error.hpp"

namespace berth::cli {

void add_save(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::SaveRequest request;
    bool quiet = false;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;
  auto* cmd = parent.add_subcommand("save", "Save image(s) to an archive");
  cmd->add_option("images", request.images,
                  "Image name or ID; further names are extra tags, or images with -m")
      ->required();
  cmd->add_option("-o,--output", request.output, "Write to this file or directory (default stdout)");
  cmd->add_option("--format", request.format,
                  "Format: docker-archive, oci-archive, oci-dir or docker-dir")
      ->default_str("docker-archive");
  cmd->add_flag("-m,--multi-image-archive", request.multi_image,
                "Save several images in one docker-archive");
  cmd->add_flag("--compress", request.compress,
                "Compress the layers with gzip (oci-dir and docker-dir only)");
  cmd->add_flag("-q,--quiet", options->quiet, "Print no progress");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      bool to_stdout = options->request.output.empty();
      if (to_stdout && ::isatty(STDOUT_FILENO)) {
        fail(ErrorCode::kInvalidArgument, "refusing to save to terminal. Use -o flag or redirect");
      }
      // Progress would mix with the archive's bytes on a shared terminal or
      // log, so Podman prints none when the archive goes to stdout.
      StderrPullProgress progress(options->quiet || to_stdout);
      cli.engine().save(options->request, STDOUT_FILENO, progress);
      return 0;
    };
  });
}

void add_load(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string input;
    bool quiet = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("load", "Load image(s) from a tar archive");
  cmd->add_option("-i,--input", options->input,
                  "Read this archive or image directory instead of stdin");
  cmd->add_flag("-q,--quiet", options->quiet, "Print no progress");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      if (options->input.empty() && ::isatty(STDIN_FILENO)) {
        fail(ErrorCode::kInvalidArgument,
             "cannot read from terminal, use command-line redirection or the --input flag");
      }
      StderrPullProgress progress(options->quiet);
      auto names = cli.engine().load(options->input, STDIN_FILENO, progress);
      for (const auto& name : names) std::printf("Loaded image: %s\n", name.c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
