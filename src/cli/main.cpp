// The berth command line: global options, subcommand registration and the
// one place where errors become exit codes.

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string_view>
#include <utility>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/local_engine.hpp"
#include "format/template.hpp"

namespace berth::cli {

engine::Engine& Cli::engine() {
  if (!engine_) engine_ = remote() ? make_remote_engine() : make_local_engine();
  return *engine_;
}

std::unique_ptr<engine::Engine> Cli::make_local_engine() {
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
  return std::make_unique<engine::LocalEngine>(paths, runtime);
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
  // A value CLI11 cannot convert ("Could not convert: --tail = abc") gets
  // Podman's wording, which names the value and the flag.
  std::string_view text = error.what();
  constexpr std::string_view kConvert = "Could not convert: ";
  if (auto equals = text.find(" = "); text.starts_with(kConvert) && equals != text.npos) {
    std::string flag(text.substr(kConvert.size(), equals - kConvert.size()));
    auto value = text.substr(equals + 3);
    const CLI::Option* option = command->get_option_no_throw(flag);
    std::string type = option ? option->get_type_name() : "";
    std::string_view expected = type.find("BOOL") != type.npos ? "true or false" : "a number";
    return fmt::format("invalid argument \"{}\" for \"{}\" flag: expected {}: see `{} --help`",
                       value, flag, expected, path);
  }
  return fmt::format("{}: see `{} --help`", error.what(), path);
}

// Remote mode: commands that need the local store, rejected before they
// run with the message of Podman's remote client (Podman 4.3 rejects the
// same ones).
void reject_local_only_command(const CLI::App& app, Cli& cli) {
  static const std::vector<std::string> kLocalOnly = {
      "berth mount",           "berth unmount",           "berth umount",
      "berth container mount", "berth container unmount", "berth container umount",
      "berth container cleanup", "berth image trust",    "berth system migrate",
      "berth system reset",    "berth system renumber"};
  std::string path = parsed_command(app).second;
  for (const auto& command : kLocalOnly) {
    if ((path == command || path.starts_with(command + " ")) && cli.remote()) {
      fail(ErrorCode::kInvalidArgument, "cannot use command \"{}\" with the remote berth client",
           path);
    }
  }
}

void add_version(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("version", "Display the berth version information");
  // --format: a Go template over {"Client": {...}} as Podman's, or json.
  auto format = std::make_shared<std::string>();
  cmd->add_option("-f,--format", *format, "Print with a Go template, or json");
  cmd->callback([&cli, format] {
    cli.action = [&cli, format] {
#if defined(__x86_64__)
      const char* arch = "amd64";
#elif defined(__aarch64__)
      const char* arch = "arm64";
#else
      const char* arch = "unknown";
#endif
      // Remote mode: a Server section from the "version" member of the
      // service's info, after a Client section, as Podman's remote client
      // prints them.
      nlohmann::json server;
      if (cli.remote()) {
        auto info = cli.engine().system_info();
        if (info.contains("version")) server = nlohmann::json::parse(info["version"].dump());
      }
      if (format->empty() && server.is_object()) {
        std::printf("Client:       berth\nVersion:      %s\nOS/Arch:      linux/%s\n\n", "0.1.0",
                    arch);
        std::printf("Server:       berth\nVersion:      %s\nAPI Version:  %s\nOS/Arch:      %s\n",
                    server.value("Version", "").c_str(), server.value("APIVersion", "").c_str(),
                    server.value("OsArch", "").c_str());
        return 0;
      }
      if (format->empty()) {
        std::printf("Version:      %s\nOS/Arch:      linux/%s\n", "0.1.0", arch);
        return 0;
      }
      nlohmann::json client = {{"APIVersion", "0.1.0"},
                               {"Version", "0.1.0"},
                               {"GitCommit", ""},
                               {"Built", 0},
                               {"BuiltTime", ""},
                               {"OsArch", std::string("linux/") + arch},
                               {"Os", "linux"}};
      nlohmann::json version = {{"Client", client}};
      if (server.is_object()) version["Server"] = server;  // remote mode
      if (format::is_json_format(*format)) {
        std::printf("%s\n", version.dump(4).c_str());
        return 0;
      }
      std::string text = format::render_template(*format, version, {"version", "version", false});
      std::printf("%s%s", text.c_str(), text.ends_with('\n') ? "" : "\n");
      return 0;
    };
  });
}

void add_container_group(CLI::App& app, Cli& cli) {
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
  // commit and export.
  add_commit(*container, cli);
  add_export(*container, cli);
  // cp.
  add_cp(*container, cli);
  add_container_diff(*container, cli);
  // container exists and prune.
  add_container_exists(*container, cli);
  add_container_prune(*container, cli);
  // exec and attach.
  add_exec(*container, cli);
  add_attach(*container, cli);
  // Lifecycle commands.
  add_port(*container, cli);
  add_rename(*container, cli);
  add_pause(*container, cli);
  add_unpause(*container, cli);
  add_restart(*container, cli);
  add_init(*container, cli);
  add_mount(*container, cli);
  add_unmount(*container, cli, "unmount");
  add_unmount(*container, cli, "umount");
  add_stats(*container, cli);
}

void add_image_group(CLI::App& app, Cli& cli) {
  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  add_images(*image, cli, "ls");
  add_images(*image, cli, "list");
  add_rmi(*image, cli, "rm");
  add_inspect(*image, cli, "inspect", "image");
  add_pull(*image, cli);
  add_push(*image, cli);
  add_image_exists(*image, cli);
  add_tag(*image, cli);
  add_untag(*image, cli);
  // image trust.
  add_image_trust(*image, cli);
  // save and load.
  add_save(*image, cli);
  add_load(*image, cli);
  // image history, diff, tree and prune.
  add_image_history(*image, cli, "history");
  add_image_diff(*image, cli);
  add_image_tree(*image, cli);
  add_image_prune(*image, cli);
  // search.
  add_search(*image, cli);
  // import.
  add_import(*image, cli);
  // image build.
  add_build(*image, cli);
}

using Registrar = void (*)(CLI::App&, Cli&);

// The top-level commands in the order --help lists them.
constexpr std::pair<std::string_view, Registrar> kCommands[] = {
    {"pull", [](CLI::App& a, Cli& c) { add_pull(a, c); }},
    {"push", [](CLI::App& a, Cli& c) { add_push(a, c); }},
    {"images", [](CLI::App& a, Cli& c) { add_images(a, c, "images"); }},
    {"rmi", [](CLI::App& a, Cli& c) { add_rmi(a, c, "rmi"); }},
    {"tag", add_tag},
    {"untag", add_untag},
    {"inspect", [](CLI::App& a, Cli& c) { add_inspect(a, c, "inspect", ""); }},
    {"run", [](CLI::App& a, Cli& c) { add_run(a, c); }},
    {"create", [](CLI::App& a, Cli& c) { add_create(a, c); }},
    {"start", [](CLI::App& a, Cli& c) { add_start(a, c); }},
    {"exec", [](CLI::App& a, Cli& c) { add_exec(a, c); }},
    {"attach", [](CLI::App& a, Cli& c) { add_attach(a, c); }},
    {"healthcheck", [](CLI::App& a, Cli& c) { add_healthcheck_group(a, c); }},
    {"ps", [](CLI::App& a, Cli& c) { add_ps(a, c, "ps"); }},
    {"logs", [](CLI::App& a, Cli& c) { add_logs(a, c); }},
    {"top", [](CLI::App& a, Cli& c) { add_top(a, c); }},
    {"stop", [](CLI::App& a, Cli& c) { add_stop(a, c); }},
    {"kill", [](CLI::App& a, Cli& c) { add_kill(a, c); }},
    {"rm", [](CLI::App& a, Cli& c) { add_rm(a, c, "rm"); }},
    {"wait", [](CLI::App& a, Cli& c) { add_wait(a, c); }},
    {"login", add_login},
    {"logout", add_logout},
    // image history.
    {"history", [](CLI::App& a, Cli& c) { add_image_history(a, c, "history"); }},
    // search.
    {"search", add_search},
    // manifest lists.
    {"manifest", add_manifest_group},
    // save and load.
    {"save", add_save},
    {"load", add_load},
    // commit, export and import.
    {"commit", add_commit},
    {"export", add_export},
    {"import", add_import},
    // cp.
    {"cp", add_cp},
    {"diff", add_container_diff},
    // volumes.
    {"volume", add_volume_group},
    // Lifecycle commands.
    {"port", add_port},
    {"rename", add_rename},
    {"pause", add_pause},
    {"unpause", add_unpause},
    {"restart", add_restart},
    {"init", add_init},
    {"mount", add_mount},
    {"unmount", [](CLI::App& a, Cli& c) { add_unmount(a, c, "unmount"); }},
    {"umount", [](CLI::App& a, Cli& c) { add_unmount(a, c, "umount"); }},
    {"stats", add_stats},
    // secrets.
    {"secret", add_secret_group},
    {"network", add_network_group},
    // pods and building images.
    {"pod", add_pod_group},
    {"build", add_build},
    // events and system.
    {"events", add_events},
    {"info", add_info_command},
    // system, with system connection (connection.cpp).
    {"system",
     [](CLI::App& a, Cli& c) {
       add_system_group(a, c);
       add_system_connection(*a.get_subcommand("system"), c);
     }},
    {"version", add_version},
    {"container", add_container_group},
    {"image", add_image_group},
};

// Global options that take a value, as the command word is searched for.
constexpr std::string_view kValueOptions[] = {"--root", "--runroot", "--runtime", "--log-level",
                                              // Remote client.
                                              "--url", "--identity", "--connection", "-c"};

// Returns the command word of argv: the first argument that is neither a
// global option nor its value. Empty when there is none or when help or
// version is asked for before it.
std::string_view command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("-")) return arg;
    if (arg.find('=') != std::string_view::npos) continue;
    for (auto option : kValueOptions) {
      if (arg == option) {
        ++i;
        break;
      }
    }
    if (arg == "-h" || arg == "--help") return {};
  }
  return {};
}

// Registers the command that argv names, or all of them when it names none
// that is known (for --help and for CLI11's errors). Building every
// command's options took a third of a berth start.
void add_commands(CLI::App& app, Cli& cli, int argc, char** argv) {
  std::string_view word = command_word(argc, argv);
  for (const auto& [name, add] : kCommands) {
    if (name == word) {
      add(app, cli);
      return;
    }
  }
  for (const auto& [name, add] : kCommands) add(app, cli);
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
  // Remote client: talk to a berth or Podman service instead of local storage.
  app.add_flag("-r,--remote", cli.global.remote, "Access a remote berth service");
  app.add_option("--url", cli.global.url,
                 "URL of the service: unix:///PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]/PATH");
  app.add_option("--identity", cli.global.identity, "Path to the ssh private key");
  app.add_option("-c,--connection", cli.global.connection,
                 "Name of the remote connection (see system connection)");
  // -v and --version count only before the command, as in Podman: CLI11's
  // version flag would also fire for "berth logout -v" and skip the logout.
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-v" || arg == "--version") {
      std::printf("berth version 0.1.0\n");
      return 0;
    }
    if (!arg.starts_with("-")) break;
    for (auto option : kValueOptions) {
      if (arg == option) ++i;
    }
  }

  add_commands(app, cli, argc, argv);

  // Short flags written "-q=true" or "-n=3" (short_flags.cpp).
  std::vector<std::string> args = expand_short_flags(app, argc, argv);
  std::vector<char*> arg_pointers;
  for (auto& arg : args) arg_pointers.push_back(arg.data());
  try {
    app.parse(static_cast<int>(arg_pointers.size()), arg_pointers.data());
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
    reject_local_only_command(app, cli);
    return cli.action ? cli.action() : 0;
  } catch (const std::exception& e) {
    print_error(e);
    return exit_code_for(e);
  }
}

}  // namespace berth::cli

int main(int argc, char** argv) { return berth::cli::main(argc, argv); }
