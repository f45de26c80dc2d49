// build. Filled in with the builder.

#include "cli/cli.hpp"

namespace berth::cli {

void add_build(CLI::App& parent, Cli& cli) {
  (void)parent;
  (void)cli;
}

}  // namespace berth::cli
