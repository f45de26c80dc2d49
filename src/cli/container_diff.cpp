// diff: a container's changes against its image, or an image's changes.

#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "common/error.hpp"

namespace berth::cli {

void add_container_diff(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string target;
    std::string format;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(
      "diff", "Inspect changes on a container's or an image's file system");
  cmd->add_option("target", options->target, "Container or image name or ID")->required();
  cmd->add_option("--format", options->format, "Change the output format: json");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      if (!options->format.empty() && options->format != "json") {
        fail(ErrorCode::kInvalidArgument, "invalid --format \"{}\": only json is supported",
             options->format);
      }
      std::vector<engine::ImageChange> changes;
      try {
        changes = cli.engine().container_diff(options->target);
      } catch (const Error& e) {
        // As with Podman, a name that is no container may be an image.
        if (e.code() != ErrorCode::kNotFound || !cli.engine().image_exists(options->target)) {
          throw;
        }
        changes = cli.engine().image_diff(options->target);
      }
      print_changes(changes, options->format);
      return 0;
    };
  });
}

}  // namespace berth::cli
