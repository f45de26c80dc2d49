// The system command group: info, df, prune, reset, migrate, renumber and
// events, and the top-level info alias.

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/container_filter.hpp"
#include "engine/system_prune.hpp"
#include "format/table.hpp"
#include "format/template.hpp"
#include "format/tree.hpp"

namespace berth::cli {

namespace {

using ordered_json = nlohmann::ordered_json;

// Prints question on stdout and returns whether the reply starts with y.
// Throws Error{kInvalidArgument} when stdin ends before a reply, because
// Podman fails with "EOF" there.
bool confirm(const std::string& question) {
  std::printf("%s", question.c_str());
  std::fflush(stdout);
  char answer[16] = {};
  if (std::fgets(answer, sizeof answer, stdin) == nullptr) {
    fail(ErrorCode::kInvalidArgument,
         "no answer: stdin ended before the confirmation; answer y, or add --force");
  }
  return answer[0] == 'y' || answer[0] == 'Y';
}

// Sizes as Podman's system df prints them: "2.129MB".
std::string df_size(std::int64_t bytes) {
  return format::human_size_unspaced(static_cast<double>(bytes), 4);
}

// YAML as Podman prints info (go-yaml v2 style): two-space indents,
// sequences at their key's indent, scalars quoted only where a plain one
// would read as another type or would not parse.
bool needs_double_quotes(const std::string& text) {
  if (text.empty()) return true;
  static const char* const kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "~",
                                       "y",    "n"};
  std::string lower = text;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : kWords) {
    if (lower == word) return true;
  }
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end != nullptr && *end == '\0';
}

bool needs_single_quotes(const std::string& text) {
  if (text.find(": ") != std::string::npos || text.find(" #") != std::string::npos) return true;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` ").find(text.front()) != std::string_view::npos) {
    return true;
  }
  return text.back() == ' ' || text.back() == ':';
}

std::string yaml_scalar(const ordered_json& value, int indent) {
  if (value.is_null()) return "null";
  if (!value.is_string()) return value.dump();
  std::string text = value.get<std::string>();
  if (text.find('\n') != std::string::npos) {
    std::string out = "|-";
    std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    std::size_t start = 0;
    while (start <= text.size()) {
      auto end = text.find('\n', start);
      out += "\n" + pad + text.substr(start, end - start);
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return out;
  }
  if (needs_double_quotes(text)) return nlohmann::json(text).dump();
  if (needs_single_quotes(text)) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    return quoted + "'";
  }
  return text;
}

void write_yaml(const ordered_json& value, int indent, std::string& out) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const auto& [key, item] : value.items()) {
    out += pad + key + ":";
    if (item.is_object() && !item.empty()) {
      out += "\n";
      write_yaml(item, indent + 2, out);
    } else if (item.is_array() && !item.empty()) {
      out += "\n";
      for (const auto& element : item) out += pad + "- " + yaml_scalar(element, indent) + "\n";
    } else if (item.is_object()) {
      out += " {}\n";
    } else if (item.is_array()) {
      out += " []\n";
    } else {
      out += " " + yaml_scalar(item, indent) + "\n";
    }
  }
}

// Go field names of info's JSON keys for templates: "ociRuntime" is
// .Host.OCIRuntime, "graphRoot" .Store.GraphRoot.
std::string go_field_name(const std::string& key) {
  static const std::map<std::string, std::string> kSpecial = {
      {"ociRuntime", "OCIRuntime"}, {"cpus", "CPUs"},       {"os", "OS"},
      {"idMappings", "IDMappings"}, {"cpuUtilization", "CPUUtilization"}};
  if (auto found = kSpecial.find(key); found != kSpecial.end()) return found->second;
  std::string name = key;
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

nlohmann::json with_go_names(const ordered_json& value) {
  if (!value.is_object()) return value;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, item] : value.items()) out[go_field_name(key)] = with_go_names(item);
  return out;
}

void add_info(CLI::App& parent, Cli& cli) {
  auto format = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("info", "Display berth system information");
  cmd->add_option("-f,--format", *format, "Print with a Go template, or json");
  cmd->callback([&cli, format] {
    cli.action = [&cli, format] {
      auto info = cli.engine().system_info();
      if (format->empty()) {
        std::string out;
        write_yaml(info, 0, out);
        std::printf("%s", out.c_str());
      } else if (format::is_json_format(*format)) {
        std::printf("%s\n", info.dump(2).c_str());
      } else {
        auto text = format::render_template(*format, with_go_names(info),
                                            {"info", "define.Info", false});
        std::printf("%s%s", text.c_str(), text.ends_with('\n') ? "" : "\n");
      }
      return 0;
    };
  });
}

// The summary rows of system df.
nlohmann::json df_summary(const engine::DiskUsageReport& report) {
  auto row = [](const char* type, std::size_t total, std::int64_t active, std::int64_t size,
                std::int64_t reclaimable) {
    int percent = size > 0 ? static_cast<int>(reclaimable * 100 / size) : 0;
    return nlohmann::json{{"Type", type},
                          {"Total", static_cast<std::int64_t>(total)},
                          {"Active", active},
                          {"Size", df_size(size)},
                          {"Reclaimable", fmt::format("{} ({}%)", df_size(reclaimable), percent)},
                          {"RawSize", size},
                          {"RawReclaimable", reclaimable}};
  };
  std::int64_t active = 0, reclaimable = 0;
  for (const auto& image : report.images) {
    if (image.containers > 0) {
      ++active;
    } else {
      reclaimable += image.size - image.shared_size;
    }
  }
  std::int64_t size = engine::images_disk_size(report);
  auto images = row("Images", report.images.size(), active, size, reclaimable);
  active = size = reclaimable = 0;
  for (const auto& c : report.containers) {
    size += c.size;
    if (c.status == "running" || c.status == "paused") {
      ++active;
    } else {
      reclaimable += c.size;
    }
  }
  auto containers = row("Containers", report.containers.size(), active, size, reclaimable);
  active = size = reclaimable = 0;
  for (const auto& v : report.volumes) {
    size += v.size;
    if (v.links > 0) {
      ++active;
    } else {
      reclaimable += v.size;
    }
  }
  auto volumes = row("Local Volumes", report.volumes.size(), active, size, reclaimable);
  return nlohmann::json::array({images, containers, volumes});
}

void print_df_verbose(const engine::DiskUsageReport& report) {
  std::int64_t now = now_ns();
  std::vector<std::vector<std::string>> rows = {{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE",
                                                 "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"}};
  for (const auto& image : report.images) {
    rows.push_back({image.repository, image.tag, image.id.substr(0, 12),
                    human_duration(now - image.created_ns), df_size(image.size),
                    df_size(image.shared_size), df_size(image.size - image.shared_size),
                    std::to_string(image.containers)});
  }
  std::printf("Images space usage:\n\n%s\n", format::render_table(rows).c_str());
  rows = {{"CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS",
           "NAMES"}};
  for (const auto& c : report.containers) {
    rows.push_back({c.id.substr(0, 12), c.image, c.command, std::to_string(c.local_volumes),
                    df_size(c.size), human_duration(now - c.created_ns), c.status, c.name});
  }
  std::printf("Containers space usage:\n\n%s\n", format::render_table(rows).c_str());
  rows = {{"VOLUME NAME", "LINKS", "SIZE"}};
  for (const auto& v : report.volumes) {
    rows.push_back({v.name, std::to_string(v.links), df_size(v.size)});
  }
  std::printf("Local Volumes space usage:\n\n%s", format::render_table(rows).c_str());
}

void add_df(CLI::App& parent, Cli& cli) {
  struct Options {
    bool verbose = false;
    std::string format;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("df", "Show berth disk usage");
  cmd->add_flag("-v,--verbose", o->verbose, "Show disk usage of each image, container and volume");
  cmd->add_option("--format", o->format, "Print the summary with a Go template, or json");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      if (o->verbose && !o->format.empty()) {
        fail(ErrorCode::kInvalidArgument, "cannot combine --format and --verbose flags");
      }
      auto report = cli.engine().disk_usage();
      if (o->verbose) {
        print_df_verbose(report);
        return 0;
      }
      auto summary = df_summary(report);
      if (o->format.empty()) {
        std::vector<std::vector<std::string>> rows = {
            {"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}};
        for (const auto& row : summary) {
          rows.push_back({row["Type"], std::to_string(row["Total"].get<std::int64_t>()),
                          std::to_string(row["Active"].get<std::int64_t>()), row["Size"],
                          row["Reclaimable"]});
        }
        std::printf("%s", format::render_table(rows).c_str());
        return 0;
      }
      format::print_formatted(o->format, summary, {"df", "system.dfSummary", {}, ""});
      return 0;
    };
  });
}

// Prints what a system prune removed, a section for each kind of object in
// the order Podman 4.3 prints them, and the errors of the containers it
// could not remove.
void print_prune_report(const engine::SystemPruneReport& report) {
  auto print_section = [](const char* title, const std::vector<engine::PrunedItem>& items) {
    bool heading = false;
    for (const auto& item : items) {
      if (!item.error.empty()) {
        print_error(Error(ErrorCode::kInternal, item.error));
        continue;
      }
      if (!heading) std::printf("%s\n", title);
      heading = true;
      std::printf("%s\n", item.id.c_str());
    }
  };
  print_section("Deleted Containers", report.containers);
  print_section("Deleted Pods", report.pods);
  print_section("Deleted Volumes", report.volumes);
  print_section("Deleted Images", report.images);
  print_section("Deleted Networks", report.networks);
  std::printf("Total reclaimed space: %s\n", df_size(report.reclaimed).c_str());
}

void add_prune(CLI::App& parent, Cli& cli) {
  struct Options {
    bool all = false;
    bool volumes = false;
    bool force = false;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("prune", "Remove unused data");
  cmd->add_flag("-a,--all", o->all, "Remove all unused images, not only dangling ones");
  cmd->add_flag("--volumes", o->volumes, "Remove volumes no container uses too");
  cmd->add_flag("-f,--force", o->force, "Do not ask for confirmation");
  cmd->add_option("--filter", o->filters, "Remove only what matches KEY=VALUE: until, label, label!")
      ->allow_extra_args(false);
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      engine::parse_prune_filters(o->filters);  // a bad filter fails before the question
      if (!o->force) {
        std::string question =
            "WARNING! This command removes:\n"
            "\t- all stopped containers\n"
            "\t- all networks not used by at least one container\n";
        if (o->volumes) question += "\t- all volumes not used by at least one container\n";
        question += o->all ? "\t- all images without at least one container associated with them\n"
                           : "\t- all dangling images\n";
        question += "\t- all dangling build cache\n\nAre you sure you want to continue? [y/N] ";
        if (!confirm(question)) return 0;
      }
      engine::SystemPruneRequest request;
      request.all = o->all;
      request.volumes = o->volumes;
      request.filters = o->filters;
      auto report = engine::prune_system(cli.engine(), request);
      print_prune_report(report);
      bool failed = std::any_of(report.containers.begin(), report.containers.end(),
                                [](const engine::PrunedItem& item) { return !item.error.empty(); });
      return failed ? 125 : 0;
    };
  });
}

void add_reset(CLI::App& parent, Cli& cli) {
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("reset", "Reset berth storage");
  cmd->add_flag("-f,--force", *force, "Do not ask for confirmation");
  cmd->callback([&cli, force] {
    cli.action = [&cli, force] {
      if (!*force) {
        auto info = cli.engine().system_info();
        std::string question = fmt::format(
            "WARNING! This will remove:\n"
            "        - all containers\n"
            "        - all pods\n"
            "        - all images\n"
            "        - all networks\n"
            "        - all build cache\n"
            "        - all machines\n"
            "        - all volumes\n"
            "        - the graphRoot directory: \"{}\"\n"
            "        - the runRoot directory: \"{}\"\n"
            "Are you sure you want to continue? [y/N] ",
            info["store"]["graphRoot"].get<std::string>(),
            info["store"]["runRoot"].get<std::string>());
        if (!confirm(question)) return 0;
      }
      cli.engine().system_reset();
      return 0;
    };
  });
}

void add_migrate(CLI::App& parent, Cli& cli) {
  auto runtime = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("migrate", "Migrate containers");
  cmd->add_option("--new-runtime", *runtime, "Record this OCI runtime for every container");
  cmd->callback([&cli, runtime] {
    cli.action = [&cli, runtime] {
      cli.engine().system_migrate(*runtime);
      return 0;
    };
  });
}

void add_renumber(CLI::App& parent, Cli& cli) {
  auto* cmd = parent.add_subcommand("renumber", "Migrate lock numbers");
  cmd->callback([&cli] {
    cli.action = [&cli] {
      // berth locks containers with a lock file per container, so there
      // are no lock numbers to hand out again; opening the store checks it.
      cli.engine().system_migrate("");
      return 0;
    };
  });
}

}  // namespace

void add_info_command(CLI::App& parent, Cli& cli) { add_info(parent, cli); }

void add_system_group(CLI::App& app, Cli& cli) {
  auto* system = app.add_subcommand("system", "Manage berth");
  system->require_subcommand(1);
  add_info(*system, cli);
  add_df(*system, cli);
  add_prune(*system, cli);
  add_reset(*system, cli);
  add_migrate(*system, cli);
  add_renumber(*system, cli);
  add_events(*system, cli);
  add_system_service(*system, cli);
}

}  // namespace berth::cli
