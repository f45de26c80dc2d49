// image trust show and image trust set, and the progress lines of
// push --sign-by.

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "format/table.hpp"

namespace berth::cli {

namespace {

std::string join(const std::vector<std::string>& values, const std::string& separator) {
  std::string joined;
  for (const auto& value : values) joined += (joined.empty() ? "" : separator) + value;
  return joined;
}

// Returns the rows as `image trust show --json` prints them: the default
// is named "* (default)", and empty fields are left out.
nlohmann::ordered_json trust_json(const std::vector<engine::TrustEntry>& rows) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    nlohmann::ordered_json entry;
    entry["transport"] = row.transport;
    if (!row.name.empty()) {
      entry["name"] = row.transport == "all" ? "* (default)" : row.name;
      entry["repo_name"] = row.name;
    }
    if (!row.sigstore.empty()) entry["sigstore"] = row.sigstore;
    entry["type"] = row.type;
    if (!row.gpg_ids.empty()) entry["gpg_id"] = join(row.gpg_ids, ", ");
    list.push_back(entry);
  }
  return list;
}

void add_trust_show(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string registry;
    bool json = false;
    bool noheading = false;
    bool raw = false;
    std::string policy_path;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("show", "Display trust policy for the system");
  cmd->add_option("registry", options->registry, "Show only the entries of this scope");
  cmd->add_flag("-j,--json", options->json, "Output as json");
  cmd->add_flag("-n,--noheading", options->noheading, "Do not print column headings");
  cmd->add_flag("--raw", options->raw, "Output raw policy file");
  // Hidden, as in Podman: the policy file to read.
  cmd->add_option("--policypath", options->policy_path, "Path of the policy file")->group("");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      if (options->raw) {
        std::string text = cli.engine().trust_policy_text(options->policy_path);
        if (!text.ends_with('\n')) text += '\n';
        std::fputs(text.c_str(), stdout);
        return 0;
      }
      auto rows = cli.engine().show_trust(options->policy_path);
      if (!options->registry.empty()) {
        std::erase_if(rows, [&](const auto& row) { return row.name != options->registry; });
      }
      if (options->json) {
        std::printf("%s\n", trust_json(rows).dump(2).c_str());
        return 0;
      }
      std::vector<std::vector<std::string>> table;
      if (!options->noheading) table.push_back({"TRANSPORT", "NAME", "TYPE", "ID", "STORE"});
      for (const auto& row : rows) {
        table.push_back({row.transport, row.name, row.type, join(row.gpg_ids, ", "), row.sigstore});
      }
      std::fputs(format::render_table(table).c_str(), stdout);
      return 0;
    };
  });
}

void add_trust_set(CLI::App& parent, Cli& cli) {
  auto request = std::make_shared<engine::TrustSetRequest>();
  auto* cmd = parent.add_subcommand(
      "set", "Set default trust policy or a new trust policy for a registry");
  cmd->add_option("registry", request->scope, "\"default\" or REGISTRY[/REPOSITORY]")->required();
  cmd->add_option("-t,--type", request->type,
                  "Trust type: signedBy (requires --pubkeysfile), accept or reject")
      ->default_str("signedBy");
  cmd->add_option("-f,--pubkeysfile", request->pubkeys_files,
                  "Public key file to trust for the scope; repeat for several keys");
  cmd->add_option("--policypath", request->policy_path, "Path of the policy file")->group("");
  cmd->callback([&cli, request] {
    cli.action = [&cli, request] {
      cli.engine().set_trust(*request);
      return 0;
    };
  });
}

}  // namespace

void add_image_trust(CLI::App& parent, Cli& cli) {
  auto* trust = parent.add_subcommand("trust", "Manage container image trust policy");
  trust->require_subcommand(1);
  add_trust_show(*trust, cli);
  add_trust_set(*trust, cli);
}

void StderrPullProgress::signing_manifest() {
  if (quiet_) return;
  print("Signing manifest using simple signing");
}

void StderrPullProgress::storing_signatures() {
  if (quiet_) return;
  print("Storing signatures");
}

}  // namespace berth::cli
