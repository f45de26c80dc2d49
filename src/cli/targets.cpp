#include "cli/targets.hpp"

#include <utility>

namespace berth::cli {

void add_target_flags(CLI::App& cmd, Targets& t, bool with_all) {
  cmd.add_option("containers", t.names, "Containers (names or IDs)");
  if (with_all) cmd.add_flag("-a,--all", t.all, "Act on all containers");
  cmd.add_flag("-l,--latest", t.latest, "Act on the latest container");
}

std::vector<std::string> resolve_targets(engine::Engine& engine, const Targets& t,
                                         bool running_only) {
  if ((t.all || t.latest) && !t.names.empty()) {
    fail(ErrorCode::kInvalidArgument, "--{} and containers cannot be used together",
         t.all ? "all" : "latest");
  }
  if (t.all && t.latest) {
    fail(ErrorCode::kInvalidArgument, "--all and --latest cannot be used together");
  }
  std::vector<std::string> names = t.names;
  if (t.all) {
    for (const auto& c : engine.list_containers(!running_only)) names.push_back(c.id);
  }
  if (t.latest) names.push_back(engine.latest_container());
  return names;
}

std::optional<int> check_names(engine::Engine& engine, std::vector<std::string>& names,
                               int not_found_code, bool skip_missing) {
  std::vector<std::string> known;
  for (const auto& name : names) {
    try {
      engine.container_id(name);
      known.push_back(name);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
      if (skip_missing) continue;
      print_error(e);
      return not_found_code;
    }
  }
  names = std::move(known);
  return std::nullopt;
}

}  // namespace berth::cli
