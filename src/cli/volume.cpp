// volume create, ls, inspect, rm, prune and exists.

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "format/table.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

// A volume in the shape and key order of Podman's `volume inspect`.
nlohmann::ordered_json volume_json(const engine::VolumeReport& v) {
  nlohmann::ordered_json out = {{"Name", v.name},
                                {"Driver", v.driver},
                                {"Mountpoint", v.mountpoint},
                                {"CreatedAt", format_rfc3339_nano(v.created_ns)},
                                {"Labels", v.labels},
                                {"Scope", v.scope},
                                {"Options", v.options}};
  // Podman leaves out the flags that are false.
  if (v.anonymous) out["Anonymous"] = true;
  out["MountCount"] = v.mount_count;
  if (v.needs_copy_up) out["NeedsCopyUp"] = true;
  if (v.needs_chown) out["NeedsChown"] = true;
  return out;
}

// The fields a --format template can use: the inspect fields, with every
// flag present so that templates never meet a missing field.
nlohmann::json template_fields(const engine::VolumeReport& v) {
  auto out = nlohmann::json::parse(volume_json(v).dump());
  out["Anonymous"] = v.anonymous;
  out["NeedsCopyUp"] = v.needs_copy_up;
  out["NeedsChown"] = v.needs_chown;
  return out;
}

const format::FormatOptions& volume_format_options() {
  static const format::FormatOptions options = {
      "volume", "entities.VolumeListReport", {{"Name", "VOLUME NAME"}},
      "{{.Driver}}\t{{.Name}}"};
  return options;
}

// Prompts "[y/N]" on stderr and reads the reply from stdin.
bool confirm(const std::string& question) {
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string reply;
  if (!std::getline(std::cin, reply)) return false;
  return reply == "y" || reply == "Y" || reply == "yes";
}

void add_volume_create(CLI::App& parent, Cli& cli) {
  auto request = std::make_shared<engine::VolumeCreateRequest>();
  auto* cmd = parent.add_subcommand("create", "Create a new volume");
  cmd->add_option("name", request->name, "Name of the volume (random when not given)");
  cmd->add_option("-d,--driver", request->driver, "Volume driver (only local)");
  cmd->add_option("-o,--opt", request->options,
                  "Driver option KEY=VALUE: type, device, o (mount options), uid, gid")
      ->allow_extra_args(false);
  cmd->add_option("-l,--label", request->labels, "Label KEY[=VALUE] of the volume")
      ->allow_extra_args(false);
  cmd->add_flag("--ignore", request->ignore,
                "Do nothing and print the name when the volume already exists");
  cmd->callback([&cli, request] {
    cli.action = [&cli, request] {
      std::printf("%s\n", cli.engine().volume_create(*request).c_str());
      return 0;
    };
  });
}

void add_volume_ls(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> filters;
    std::string format;
    bool quiet = false;
    bool noheading = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "List volumes");
  cmd->add_option("-f,--filter", o->filters,
                  "Filter KEY=VALUE: name, label, label!, driver, dangling, until, scope")
      ->allow_extra_args(false);
  cmd->add_option("--format", o->format, "Print with a Go template, or json");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only volume names");
  cmd->add_flag("-n,--noheading", o->noheading, "Do not print the header");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto volumes = cli.engine().list_volumes(o->filters);
      if (o->quiet) {
        for (const auto& v : volumes) std::printf("%s\n", v.name.c_str());
        return 0;
      }
      if (format::is_json_format(o->format)) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& v : volumes) items.push_back(volume_json(v));
        std::printf("%s\n", items.dump(2).c_str());
        return 0;
      }
      std::string format = o->format.empty() ? "table {{.Driver}}\t{{.Name}}" : o->format;
      auto options = volume_format_options();
      options.header = !o->noheading;
      nlohmann::json items = nlohmann::json::array();
      for (const auto& v : volumes) items.push_back(template_fields(v));
      format::print_formatted(format, items, options);
      return 0;
    };
  });
}

void add_volume_inspect(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> names;
    std::string format;
    bool all = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("inspect", "Show the details of volumes");
  cmd->add_option("names", o->names, "Volumes to inspect");
  cmd->add_option("-f,--format", o->format, "Print with a Go template, or json");
  cmd->add_flag("-a,--all", o->all, "Inspect every volume");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      if (o->all && !o->names.empty()) {
        fail(ErrorCode::kInvalidArgument, "give either --all or volume names, not both");
      }
      if (!o->all && o->names.empty()) {
        fail(ErrorCode::kInvalidArgument, "no volumes to inspect given: name one or use --all");
      }
      std::vector<engine::VolumeReport> reports;
      std::optional<Error> missing;
      if (o->all) reports = engine.list_volumes({});
      for (const auto& name : o->names) {
        try {
          reports.push_back(engine.inspect_volume(name));
        } catch (const Error& e) {
          if (e.code() != ErrorCode::kNotFound) throw;
          // Podman prints the volumes it found, then fails for the rest.
          missing = Error(ErrorCode::kNotFound, "inspecting object: no such volume " + name);
        }
      }
      if (o->format.empty() || format::is_json_format(o->format)) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& v : reports) items.push_back(volume_json(v));
        std::printf("%s\n", items.dump(4).c_str());
      } else {
        format::RenderOptions render{"inspect", "define.InspectVolumeData", false};
        std::string out;
        for (const auto& v : reports) {
          std::string text = format::render_template(o->format, template_fields(v), render);
          out += text.ends_with('\n') ? text : text + "\n";
        }
        std::fputs(out.c_str(), stdout);
      }
      if (missing) throw *missing;
      return 0;
    };
  });
}

void add_volume_rm(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> names;
    bool force = false;
    bool all = false;
    int timeout = -1;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "Remove volumes");
  cmd->add_option("names", o->names, "Volumes to remove");
  cmd->add_flag("-f,--force", o->force, "Remove the containers that use the volume first");
  cmd->add_flag("-a,--all", o->all, "Remove every volume");
  cmd->add_option("-t,--time", o->timeout,
                  "With --force: seconds to wait for a running container to stop");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      if (o->all && !o->names.empty()) {
        fail(ErrorCode::kInvalidArgument, "give either --all or volume names, not both");
      }
      auto names = o->names;
      if (o->all) {
        for (const auto& v : engine.list_volumes({})) names.push_back(v.name);
      } else if (names.empty()) {
        fail(ErrorCode::kInvalidArgument, "no volumes to remove given: name one or use --all");
      }
      std::optional<int> timeout;
      if (o->timeout >= 0) timeout = o->timeout;
      // Podman: 1 when a volume does not exist, 2 when one is in use.
      int exit_code = 0;
      for (const auto& volume : names) {
        try {
          engine.volume_remove(volume, o->force, timeout);
          std::printf("%s\n", volume.c_str());
        } catch (const Error& e) {
          print_error(e);
          exit_code = e.code() == ErrorCode::kNotFound   ? 1
                      : e.code() == ErrorCode::kConflict ? 2
                                                         : 125;
        }
      }
      return exit_code;
    };
  });
}

void add_volume_prune(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> filters;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("prune", "Remove every volume no container uses");
  cmd->add_option("--filter", o->filters, "Filter KEY=VALUE: label, label!, until")
      ->allow_extra_args(false);
  cmd->add_flag("-f,--force", o->force, "Do not ask for confirmation");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      if (!o->force) {
        std::vector<std::string> unused;
        for (const auto& v : engine.list_volumes({})) {
          if (v.containers.empty()) unused.push_back(v.name);
        }
        std::string question = "WARNING: this removes every volume that no container uses";
        question += unused.empty() ? ".\n" : ":\n";
        for (const auto& name : unused) question += "  " + name + "\n";
        if (!confirm(question + "Continue?")) return 0;
      }
      for (const auto& name : engine.volume_prune(o->filters)) std::printf("%s\n", name.c_str());
      return 0;
    };
  });
}

}  // namespace

void add_volume_group(CLI::App& app, Cli& cli) {
  auto* volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);
  add_volume_create(*volume, cli);
  add_volume_ls(*volume, cli, "ls");
  add_volume_ls(*volume, cli, "list");
  add_volume_inspect(*volume, cli);
  add_volume_rm(*volume, cli, "rm");
  add_volume_rm(*volume, cli, "remove");
  add_volume_prune(*volume, cli);
  add_exists_command(*volume, cli, "Exit 0 when a volume exists, 1 when not", "Volume name",
                     [](engine::Engine& engine, const std::string& name) {
                       return engine.volume_exists(name);
                     });
}

}  // namespace berth::cli
