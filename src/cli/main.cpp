// The berth command line: global options, subcommand registration and the
// one place where errors become exit codes.

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/local_engine.hpp"

namespace berth::cli {

engine::Engine& Cli::engine() {
  if (!engine_) {
    container::Paths paths;
    bool rootless = ::geteuid() != 0;
    if (rootless) {
      fail(ErrorCode::kPermissionDenied,
           "berth needs root for now: run it with sudo (rootless mode is not supported yet)");
    }
    if (!global.root.empty()) paths.root = global.root;
    if (!global.run_root.empty()) paths.run_root = global.run_root;
    std::optional<std::string> runtime;
    if (!global.runtime.empty()) runtime = global.runtime;
    engine_ = std::make_unique<engine::LocalEngine>(paths, runtime);
  }
  return *engine_;
}

int exit_code_for(const std::exception& error) {
  if (const auto* e = dynamic_cast<const Error*>(&error)) {
    switch (e->code()) {
      case ErrorCode::kCommandNotFound: return 127;
      case ErrorCode::kCommandNotExecutable: return 126;
      default: return 125;
    }
  }
  return 125;
}

void print_error(const std::exception& error) {
  std::fflush(stdout);
  std::fprintf(stderr, "Error: %s\n", error.what());
}

namespace {

// The deepest command that was parsed, and its path ("berth container").
std::pair<const CLI::App*, std::string> parsed_command(const CLI::App& app) {
  const CLI::App* current = &app;
  std::string path = app.get_name();
  for (;;) {
    auto chosen = current->get_subcommands();
    if (chosen.empty()) return {current, path};
    current = chosen.front();
    path += " " + current->get_name();
  }
}

// Rewrites a command-line parsing error in Podman's words: an unknown
// command is "unrecognized command", the rest keep CLI11's text plus a
// pointer to --help.
std::string usage_error(const CLI::App& app, const CLI::ParseError& error) {
  auto [command, path] = parsed_command(app);
  auto extras = command->remaining();
  // With fallthrough, words a group does not know end up with the top app.
  if (extras.empty()) extras = app.remaining();
  bool is_group = !command->get_subcommands([](const CLI::App*) { return true; }).empty();
  if (is_group && !extras.empty() && !extras.front().starts_with("-")) {
    return fmt::format("unrecognized command `{} {}`", path, extras.front());
  }
  if (is_group) {
    return fmt::format("missing command: run `{} --help` for the list of commands", path);
  }
  return fmt::format("{}: see `{} --help`", error.what(), path);
}

void add_version(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("version", "Display the berth version information");
  cmd->callback([&cli] {
    cli.action = [] {
      std::printf("Version:      %s\nOS/Arch:      linux/%s\n", "0.1.0",
#if defined(__x86_64__)
                  "amd64"
#elif defined(__aarch64__)
                  "arm64"
#else
                  "unknown"
#endif
      );
      return 0;
    };
  });
}

void add_group(CLI::App& app, Cli& cli) {
  auto* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(1);
  add_ps(*container, cli, "ps");
  add_ps(*container, cli, "ls");
  add_ps(*container, cli, "list");
  add_rm(*container, cli, "rm");
  add_inspect(*container, cli, "inspect", "container");
  add_run(*container, cli);
  add_create(*container, cli);
  add_start(*container, cli);
  add_stop(*container, cli);
  add_kill(*container, cli);
  add_logs(*container, cli);
  add_top(*container, cli);
  add_wait(*container, cli);
  add_container_cleanup(*container, cli);

  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  add_images(*image, cli, "ls");
  add_images(*image, cli, "list");
  add_rmi(*image, cli, "rm");
  add_inspect(*image, cli, "inspect", "image");
  add_pull(*image, cli);
  add_image_exists(*image, cli);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"berth: manage pods, containers and images", "berth"};
  app.require_subcommand(1);
  app.fallthrough();
  Cli cli;
  app.add_option("--root", cli.global.root, "Storage root directory (default /var/lib/berth)");
  app.add_option("--runroot", cli.global.run_root,
                 "Directory for runtime state (default /run/berth)");
  app.add_option("--runtime", cli.global.runtime, "OCI runtime to use: runc, crun or a path");
  app.add_option("--log-level", cli.global.log_level,
                 "Log messages at and above this level: debug, info, warn, error");
  app.set_version_flag("-v,--version", "berth version 0.1.0");

  add_pull(app, cli);
  add_images(app, cli, "images");
  add_rmi(app, cli, "rmi");
  add_inspect(app, cli, "inspect", "");
  add_run(app, cli);
  add_create(app, cli);
  add_start(app, cli);
  add_ps(app, cli, "ps");
  add_logs(app, cli);
  add_top(app, cli);
  add_stop(app, cli);
  add_kill(app, cli);
  add_rm(app, cli, "rm");
  add_wait(app, cli);
  add_version(app, cli);
  add_group(app, cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Podman exits 125 for usage errors.
    std::fprintf(stderr, "Error: %s\n", usage_error(app, e).c_str());
    return 125;
  }
  try {
    log::set_level(cli.global.log_level);
    return cli.action ? cli.action() : 0;
  } catch (const std::exception& e) {
    print_error(e);
    return exit_code_for(e);
  }
}

}  // namespace berth::cli

int main(int argc, char** argv) { return berth::cli::main(argc, argv); }
