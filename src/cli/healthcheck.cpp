// healthcheck run.

#include <cstdio>

#include "cli/cli.hpp"

namespace berth::cli {

void add_healthcheck_group(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("healthcheck", "Manage health checks of containers");
  group->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto* run = group->add_subcommand("run", "Run a container's health check once");
  run->add_option("container", *name, "Container to check")->required();
  run->callback([&cli, name] {
    cli.action = [&cli, name] {
      std::string status = cli.engine().healthcheck_run(*name);
      if (status == "healthy") return 0;
      // A failure in the start period leaves the container "starting".
      std::printf("%s\n", status == "starting" ? "unhealthy" : status.c_str());
      return 1;
    };
  });
}

}  // namespace berth::cli
