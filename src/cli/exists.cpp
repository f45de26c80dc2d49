// The `exists` subcommands: exit 0 when the object exists, 1 when not.

#include "cli/cli.hpp"

namespace berth::cli {

void add_exists_command(CLI::App& parent, Cli& cli, const std::string& help,
                        const std::string& argument_help, ExistsCheck check) {
  auto name = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("exists", help);
  cmd->add_option("name", *name, argument_help)->required();
  cmd->callback([&cli, name, check] {
    cli.action = [&cli, name, check] { return check(cli.engine(), *name) ? 0 : 1; };
  });
}

}  // namespace berth::cli
