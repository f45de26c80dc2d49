// pod and its subcommands. Filled in with the pod domain.

#include "cli/cli.hpp"

namespace berth::cli {

void add_pod_group(CLI::App& app, Cli& cli) {
  (void)cli;
  auto* pod = app.add_subcommand("pod", "Manage pods");
  pod->require_subcommand(1);
}

}  // namespace berth::cli
