#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "engine/engine.hpp"

namespace berth::cli {

// Options that apply to every command.
struct GlobalOptions {
  std::string root;
  std::string run_root;
  std::string runtime;
  std::string log_level = "warn";
  // Remote client: --remote, --url, --identity and --connection.
  bool remote = false;
  std::string url;
  std::string identity;
  std::string connection;
};

// State shared by the command files: the global options, the engine (made
// on first use) and the action the parsed command runs.
class Cli {
 public:
  GlobalOptions global;
  // Runs the chosen command; returns the process exit code.
  std::function<int()> action;

  engine::Engine& engine();
  // A new engine for the global options; the REST service makes one per
  // connection.
  std::unique_ptr<engine::Engine> make_local_engine();
  // Remote client (connection.cpp): whether the flags or CONTAINER_HOST or
  // CONTAINER_CONNECTION ask for a service, and a RemoteEngine for it.
  bool remote() const;
  std::unique_ptr<engine::Engine> make_remote_engine();

 private:
  std::unique_ptr<engine::Engine> engine_;
};

// Registration functions, one per command file. Each adds its subcommand(s)
// to parent and sets cli.action when chosen.
void add_pull(CLI::App& parent, Cli& cli);
void add_push(CLI::App& parent, Cli& cli);
void add_images(CLI::App& parent, Cli& cli, const std::string& name);
void add_rmi(CLI::App& parent, Cli& cli, const std::string& name);
void add_inspect(CLI::App& parent, Cli& cli, const std::string& name, const std::string& kind);
void add_run(CLI::App& parent, Cli& cli);
void add_create(CLI::App& parent, Cli& cli);
void add_start(CLI::App& parent, Cli& cli);
void add_exec(CLI::App& parent, Cli& cli);
void add_attach(CLI::App& parent, Cli& cli);
void add_healthcheck_group(CLI::App& app, Cli& cli);
void add_ps(CLI::App& parent, Cli& cli, const std::string& name);
void add_logs(CLI::App& parent, Cli& cli);
void add_top(CLI::App& parent, Cli& cli);
void add_stop(CLI::App& parent, Cli& cli);
void add_kill(CLI::App& parent, Cli& cli);
void add_rm(CLI::App& parent, Cli& cli, const std::string& name);
void add_wait(CLI::App& parent, Cli& cli);
void add_image_exists(CLI::App& parent, Cli& cli);
void add_tag(CLI::App& parent, Cli& cli);
void add_untag(CLI::App& parent, Cli& cli);
void add_container_cleanup(CLI::App& parent, Cli& cli);
void add_login(CLI::App& parent, Cli& cli);
void add_logout(CLI::App& parent, Cli& cli);
// manifest and its subcommands (manifest.cpp).
void add_manifest_group(CLI::App& app, Cli& cli);
// image history, diff, tree and prune (image_query.cpp).
void add_image_history(CLI::App& parent, Cli& cli, const std::string& name);
void add_image_diff(CLI::App& parent, Cli& cli);
void add_image_tree(CLI::App& parent, Cli& cli);
void add_image_prune(CLI::App& parent, Cli& cli);
// search (search.cpp).
void add_search(CLI::App& parent, Cli& cli);
// save and load (save_load.cpp).
void add_save(CLI::App& parent, Cli& cli);
void add_load(CLI::App& parent, Cli& cli);
// commit, export and import (commit.cpp).
void add_commit(CLI::App& parent, Cli& cli);
void add_export(CLI::App& parent, Cli& cli);
// cp (cp.cpp).
void add_cp(CLI::App& parent, Cli& cli);
// diff of a container or image (container_diff.cpp).
void add_container_diff(CLI::App& parent, Cli& cli);
void add_import(CLI::App& parent, Cli& cli);
// image trust show and set (trust.cpp).
void add_image_trust(CLI::App& parent, Cli& cli);
// container exists and prune (ps.cpp).
void add_container_exists(CLI::App& parent, Cli& cli);
void add_container_prune(CLI::App& parent, Cli& cli);
// Rewrites the short flags "-q=true", "-a=false" and "-n=3" that pflag
// accepts into forms CLI11 parses (short_flags.cpp).
std::vector<std::string> expand_short_flags(const CLI::App& app, int argc, char** argv);

// volume and its subcommands (volume.cpp).
void add_volume_group(CLI::App& app, Cli& cli);

// Lifecycle commands: port, rename, pause, unpause, restart, init, mount
// and unmount (container_state.cpp), stats (stats.cpp).
void add_port(CLI::App& parent, Cli& cli);
void add_rename(CLI::App& parent, Cli& cli);
void add_pause(CLI::App& parent, Cli& cli);
void add_unpause(CLI::App& parent, Cli& cli);
void add_restart(CLI::App& parent, Cli& cli);
void add_init(CLI::App& parent, Cli& cli);
void add_mount(CLI::App& parent, Cli& cli);
void add_unmount(CLI::App& parent, Cli& cli, const std::string& name);
void add_stats(CLI::App& parent, Cli& cli);

// Adds an `exists` subcommand taking one name that exits 0 when check
// returns true and 1 when not (exists.cpp).
using ExistsCheck = std::function<bool(engine::Engine& engine, const std::string& name)>;
void add_exists_command(CLI::App& parent, Cli& cli, const std::string& help,
                        const std::string& argument_help, ExistsCheck check);

// secret and its subcommands (secret.cpp).
void add_secret_group(CLI::App& app, Cli& cli);

// network ls, inspect and exists (network.cpp).
void add_network_group(CLI::App& app, Cli& cli);

// pod and its subcommands (pod.cpp).
void add_pod_group(CLI::App& app, Cli& cli);
// build, also as `image build` (build.cpp).
void add_build(CLI::App& parent, Cli& cli);

// events (events.cpp), and system with its subcommands and the info alias
// (system.cpp).
void add_events(CLI::App& parent, Cli& cli);
void add_info_command(CLI::App& parent, Cli& cli);
void add_system_group(CLI::App& app, Cli& cli);
// system service (service.cpp).
void add_system_service(CLI::App& parent, Cli& cli);
// system connection and its subcommands (connection.cpp).
void add_system_connection(CLI::App& system, Cli& cli);

// Maps an error to Podman's exit code for engine errors: 125, or 126/127
// when the container's command cannot run or does not exist.
int exit_code_for(const std::exception& error);

// Prints the changes of image diff or diff: "KIND PATH" lines, or with
// format "json" Podman's object of changed, added and deleted paths.
void print_changes(const std::vector<engine::ImageChange>& changes, const std::string& format);

// Prints "Error: message" to stderr.
void print_error(const std::exception& error);

}  // namespace berth::cli
