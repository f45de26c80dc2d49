#pragma once

// The container arguments shared by commands that act on several
// containers (stop, kill, rm, pause, restart, ...): names, --all and
// --latest, and Podman's rules for looking them up and reporting per target.

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "engine/engine.hpp"

namespace berth::cli {

struct Targets {
  std::vector<std::string> names;
  bool all = false;
  bool latest = false;
};

// Adds the containers argument, -a/--all (unless with_all is false) and
// -l/--latest to cmd.
void add_target_flags(CLI::App& cmd, Targets& t, bool with_all = true);

// Expands the targets; `running_only` limits --all to running containers.
std::vector<std::string> resolve_targets(engine::Engine& engine, const Targets& t,
                                         bool running_only);

// Podman looks every name up before acting on any, so one unknown name
// fails the whole command and changes nothing. Prints the error and returns
// not_found_code for the first unknown name; with skip_missing (rm -f) the
// unknown names are dropped from names instead.
std::optional<int> check_names(engine::Engine& engine, std::vector<std::string>& names,
                               int not_found_code, bool skip_missing = false);

// Runs body for each target, printing errors, and returns Podman's exit code:
// 0, or the code of the last failure (not_found_code for a missing container,
// conflict_code for one in the wrong state).
template <typename Body>
int for_each_target(const std::vector<std::string>& names, int not_found_code, int conflict_code,
                    Body&& body) {
  int exit_code = 0;
  for (const auto& name : names) {
    try {
      body(name);
    } catch (const Error& e) {
      print_error(e);
      exit_code = e.code() == ErrorCode::kNotFound   ? not_found_code
                  : e.code() == ErrorCode::kConflict ? conflict_code
                                                     : 125;
    }
  }
  return exit_code;
}

}  // namespace berth::cli
