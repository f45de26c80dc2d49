// tag and untag: add names to a local image and remove them.

#include <memory>

#include "cli/cli.hpp"
#include "common/error.hpp"

namespace berth::cli {

void add_tag(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string image;
    std::vector<std::string> names;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("tag", "Add an additional name to a local image");
  cmd->add_option("image", options->image, "Image name or ID")->required();
  cmd->add_option("target-names", options->names, "New names (NAME[:TAG])")->required();
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      cli.engine().tag_image(options->image, options->names);
      return 0;
    };
  });
}

void add_untag(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string image;
    std::vector<std::string> names;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("untag", "Remove names from a local image");
  cmd->add_option("image", options->image, "Image name or ID")->required();
  cmd->add_option("names", options->names, "Names to remove (NAME[:TAG]); all when none given");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      cli.engine().untag_image(options->image, options->names);
      return 0;
    };
  });
}

}  // namespace berth::cli
