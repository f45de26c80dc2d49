// secret create, ls, inspect, rm and exists.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "format/template.hpp"
#include "os/file.hpp"
#include "secret/secret_store.hpp"

namespace berth::cli {

namespace {

// A secret in the shape and key order of Podman's `secret inspect`.
nlohmann::ordered_json secret_json(const engine::SecretReport& s, bool with_data) {
  nlohmann::ordered_json out = {
      {"ID", s.id},
      {"CreatedAt", format_rfc3339_nano(s.created_ns)},
      {"UpdatedAt", format_rfc3339_nano(s.updated_ns)},
      {"Spec",
       {{"Name", s.name},
        {"Driver", {{"Name", s.driver}, {"Options", s.driver_options}}},
        {"Labels", s.labels}}}};
  if (with_data) out["SecretData"] = s.data;
  return out;
}

// The fields of a `secret ls` row: the inspect fields, with Name and Driver
// lifted out of Spec and the times as ages, as Podman's table shows them.
nlohmann::json list_fields(const engine::SecretReport& s) {
  auto out = nlohmann::json::parse(secret_json(s, false).dump());
  std::int64_t now = now_ns();
  out["Name"] = s.name;
  out["Driver"] = s.driver;
  out["Labels"] = s.labels;
  out["CreatedAt"] = human_duration(now - s.created_ns) + " ago";
  out["UpdatedAt"] = human_duration(now - s.updated_ns) + " ago";
  return out;
}

const format::FormatOptions& secret_format_options() {
  static const format::FormatOptions options = {
      "secret",
      "entities.SecretInfoReport",
      {{"CreatedAt", "CREATED"}, {"UpdatedAt", "UPDATED"}},
      "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"};
  return options;
}

// Reads all of fd (stdin for "-").
std::string read_all(int fd) {
  std::string data;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(errno, "reading the secret from stdin");
    if (n == 0) return data;
    data.append(buffer, static_cast<std::size_t>(n));
    if (data.size() > secret::kMaxDataSize) return data;  // too big, so the store rejects it
  }
}

void add_secret_create(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::SecretCreateRequest request;
    std::string source;
    bool from_env = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("create", "Create a secret from a file, stdin or a variable");
  cmd->add_option("name", o->request.name, "Name of the secret")->required();
  cmd->add_option("source", o->source,
                  "File with the data, - for stdin, or with --env a variable name")
      ->required();
  cmd->add_option("-d,--driver", o->request.driver, "Secret driver (only file)");
  cmd->add_option("--driver-opts", o->request.driver_options, "Driver option KEY=VALUE")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_flag("--env", o->from_env, "Read the data from the environment variable SOURCE");
  cmd->add_option("-l,--label", o->request.labels, "Label KEY[=VALUE] of the secret")
      ->allow_extra_args(false);
  cmd->add_flag("--replace", o->request.replace,
                "Replace the data of an existing secret of that name");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      if (o->from_env) {
        const char* value = std::getenv(o->source.c_str());
        if (value == nullptr) {
          fail(ErrorCode::kInvalidArgument,
               "environment variable {} is not set: export it or give a file", o->source);
        }
        o->request.data = value;
      } else if (o->source == "-") {
        o->request.data = read_all(STDIN_FILENO);
      } else {
        struct stat st{};
        if (::stat(o->source.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
          fail(ErrorCode::kInvalidArgument, "\"{}\" is a directory: give a file with the data",
               o->source);
        }
        auto data = os::read_file_if_exists(o->source);
        if (!data) {
          fail(ErrorCode::kNotFound, "secret file \"{}\" does not exist: give a file or -",
               o->source);
        }
        o->request.data = std::move(*data);
      }
      std::printf("%s\n", cli.engine().secret_create(o->request).c_str());
      return 0;
    };
  });
}

void add_secret_ls(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> filters;
    std::string format;
    bool quiet = false;
    bool noheading = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "List secrets");
  cmd->add_option("-f,--filter", o->filters, "Filter KEY=VALUE: name, id, label")
      ->allow_extra_args(false);
  cmd->add_option("--format", o->format, "Print with a Go template, or json");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only secret IDs");
  cmd->add_flag("-n,--noheading", o->noheading, "Do not print the header");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto secrets = cli.engine().list_secrets(o->filters);
      if (o->quiet) {
        for (const auto& s : secrets) std::printf("%s\n", s.id.c_str());
        return 0;
      }
      if (format::is_json_format(o->format)) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& s : secrets) items.push_back(secret_json(s, false));
        std::printf("%s\n", items.dump(4).c_str());
        return 0;
      }
      std::string format = o->format.empty()
                               ? "table " + secret_format_options().default_table
                               : o->format;
      auto options = secret_format_options();
      options.header = !o->noheading;
      nlohmann::json items = nlohmann::json::array();
      for (const auto& s : secrets) items.push_back(list_fields(s));
      format::print_formatted(format, items, options);
      return 0;
    };
  });
}

void print_pretty(const engine::SecretReport& s) {
  std::printf("ID:              %s\n", s.id.c_str());
  std::printf("Name:            %s\n", s.name.c_str());
  if (!s.labels.empty()) {
    std::printf("Labels:\n");
    for (const auto& [key, value] : s.labels.items()) {
      std::printf(" - %s=%s\n", key.c_str(), value.get<std::string>().c_str());
    }
  }
  std::printf("Driver:          %s\n", s.driver.c_str());
  std::printf("Created at:      %s\n", go_time_string(s.created_ns).c_str());
  std::printf("Updated at:      %s\n", go_time_string(s.updated_ns).c_str());
  if (!s.data.empty()) std::printf("Data:            %s\n", s.data.c_str());
}

void add_secret_inspect(CLI::App& parent, Cli& cli) {
  struct Options {
    std::vector<std::string> names;
    std::string format;
    bool pretty = false;
    bool show = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("inspect", "Show the details of secrets");
  cmd->add_option("names", o->names, "Secrets to inspect (names or IDs)")->required();
  cmd->add_option("-f,--format", o->format, "Print with a Go template, or json");
  cmd->add_flag("--pretty", o->pretty, "Print in a human-readable form");
  cmd->add_flag("--showsecret", o->show, "Include the secret's data");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      if (o->pretty && !o->format.empty()) {
        fail(ErrorCode::kInvalidArgument, "give either --pretty or --format, not both");
      }
      std::vector<engine::SecretReport> reports;
      std::optional<Error> missing;
      for (const auto& name : o->names) {
        try {
          reports.push_back(cli.engine().inspect_secret(name, o->show));
        } catch (const Error& e) {
          if (e.code() != ErrorCode::kNotFound) throw;
          // Podman prints the secrets it found, then fails for the rest.
          missing = Error(ErrorCode::kNotFound, std::string("inspecting secret: ") + e.what());
        }
      }
      if (o->pretty) {
        for (std::size_t i = 0; i < reports.size(); ++i) {
          if (i > 0) std::printf("\n");
          print_pretty(reports[i]);
        }
      } else if (o->format.empty() || format::is_json_format(o->format)) {
        nlohmann::ordered_json items = nlohmann::ordered_json::array();
        for (const auto& s : reports) items.push_back(secret_json(s, o->show));
        std::printf("%s\n", items.dump(4).c_str());
      } else {
        format::RenderOptions render{"inspect", "entities.SecretInfoReport", false};
        format::Template tmpl(o->format, render);
        std::string out;
        for (const auto& s : reports) {
          std::string text = tmpl.render(nlohmann::json::parse(secret_json(s, o->show).dump()));
          out += text.ends_with('\n') ? text : text + "\n";
        }
        std::fputs(out.c_str(), stdout);
      }
      if (missing) throw *missing;
      return 0;
    };
  });
}

void add_secret_rm(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> names;
    bool all = false;
    bool ignore = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "Remove secrets");
  cmd->add_option("names", o->names, "Secrets to remove (names or IDs)");
  cmd->add_flag("-a,--all", o->all, "Remove every secret");
  cmd->add_flag("-i,--ignore", o->ignore, "Do not fail for a secret that does not exist");
  cmd->callback([&cli, o] {
    cli.action = [&cli, o] {
      auto& engine = cli.engine();
      if (o->all && !o->names.empty()) {
        fail(ErrorCode::kInvalidArgument, "give either --all or secret names, not both");
      }
      auto names = o->names;
      if (o->all) {
        for (const auto& s : engine.list_secrets({})) names.push_back(s.id);
      } else if (names.empty()) {
        fail(ErrorCode::kInvalidArgument, "no secrets to remove given: name one or use --all");
      }
      std::optional<Error> failure;
      for (const auto& secret : names) {
        try {
          std::printf("%s\n", engine.secret_remove(secret).c_str());
        } catch (const Error& e) {
          if (e.code() == ErrorCode::kNotFound && o->ignore) continue;
          if (failure) print_error(*failure);
          failure = e;
        }
      }
      if (failure) throw *failure;
      return 0;
    };
  });
}

}  // namespace

void add_secret_group(CLI::App& app, Cli& cli) {
  auto* group = app.add_subcommand("secret", "Manage secrets");
  group->require_subcommand(1);
  add_secret_create(*group, cli);
  add_secret_ls(*group, cli, "ls");
  add_secret_ls(*group, cli, "list");
  add_secret_inspect(*group, cli);
  add_secret_rm(*group, cli, "rm");
  add_secret_rm(*group, cli, "remove");
  add_exists_command(*group, cli, "Exit 0 when a secret exists, 1 when not", "Secret name or ID",
                     [](engine::Engine& engine, const std::string& name) {
                       return engine.secret_exists(name);
                     });
}

}  // namespace berth::cli
