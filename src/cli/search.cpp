// search: find images in registries, or list a repository's tags.

#include "engine/search.hpp"

#include <cstdio>
#include <regex>

#include "cli/cli.hpp"
#include "cli/progress.hpp"
#include "format/table.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

// The template fields of a search result, named as Podman names them.
nlohmann::json result_fields(const engine::SearchResult& result) {
  return {{"Index", result.index},
          {"Name", result.name},
          {"Description", result.description},
          {"Stars", result.stars},
          {"Official", result.official ? "[OK]" : ""},
          {"Automated", result.automated ? "[OK]" : ""},
          {"Tag", result.tag}};
}

// Column headers for a "table" template: each field's name in capitals.
const nlohmann::json& header_fields() {
  static const nlohmann::json headers = {
      {"Index", "INDEX"}, {"Name", "NAME"},         {"Description", "DESCRIPTION"},
      {"Stars", "STARS"}, {"Official", "OFFICIAL"}, {"Automated", "AUTOMATED"},
      {"Tag", "TAG"}};
  return headers;
}

// --format json with --list-tags: one entry per repository with its tags.
nlohmann::json tags_json(const std::vector<engine::SearchResult>& results) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& result : results) {
    if (entries.empty() || entries.back()["Name"] != result.name) {
      entries.push_back({{"Name", result.name}, {"Tags", nlohmann::json::array()}});
    }
    entries.back()["Tags"].push_back(result.tag);
  }
  return entries;
}

// Appends the lines of text to rows, each split into cells at tabs, so that
// tab-separated fields line up as Podman's tabwriter output does.
void add_rows(const std::string& text, std::vector<std::vector<std::string>>& rows) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> cells;
    std::size_t cell_start = start;
    for (std::size_t tab; (tab = text.find('\t', cell_start)) < end; cell_start = tab + 1) {
      cells.push_back(text.substr(cell_start, tab - cell_start));
    }
    cells.push_back(text.substr(cell_start, end - cell_start));
    rows.push_back(std::move(cells));
    start = end + 1;
  }
}

// Prints results with a Go template. A "table" template gets a header, and
// the spaces between its fields become column gaps.
void print_template(std::string format, const std::vector<engine::SearchResult>& results) {
  std::vector<std::vector<std::string>> rows;
  if (format.starts_with("table")) {
    format = format.substr(5);
    format.erase(0, format.find_first_not_of(" \t"));
    format = std::regex_replace(format, std::regex(R"(\}\}[ ]+\{\{)"), "}}\t{{");
    add_rows(format::render_template(format, header_fields(), {"search", "search", false}), rows);
  }
  for (const auto& result : results) {
    add_rows(format::render_template(format, result_fields(result), {"search", "search", false}),
             rows);
  }
  std::fputs(format::render_table(rows).c_str(), stdout);
}

void print_results(const std::string& format, bool list_tags, bool compatible,
                   const std::vector<engine::SearchResult>& results) {
  if (format == "json") {
    nlohmann::json items = nlohmann::json::array();
    if (list_tags) {
      items = tags_json(results);
    } else {
      for (const auto& result : results) items.push_back(result_fields(result));
    }
    std::printf("%s\n", items.dump(4).c_str());
    return;
  }
  if (!format.empty()) {
    print_template(format, results);
    return;
  }
  // Podman prints nothing, not even the header, when nothing was found.
  if (results.empty()) return;
  std::string row = "{{.Name}}\t{{.Description}}";
  if (list_tags) {
    row = "{{.Name}}\t{{.Tag}}";
  } else if (compatible) {
    row += "\t{{.Stars}}\t{{.Official}}\t{{.Automated}}";
  }
  print_template("table " + row, results);
}

}  // namespace

void add_search(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::SearchRequest request;
    std::vector<std::string> filters;
    std::string format;
    bool compatible = false;
    AccessFlags registry;
  };
  auto options = std::make_shared<Options>();
  auto& request = options->request;

  auto* cmd = parent.add_subcommand("search", "Search registries for an image");
  cmd->add_option("term", request.term,
                  "[REGISTRY/]TERM; without a registry every unqualified-search registry is "
                  "searched")
      ->required();
  cmd->add_option("--limit", request.limit, "Maximum number of results per registry (default 25)");
  cmd->add_option("-f,--filter", options->filters,
                  "Keep only results that match: stars=N, is-official[=BOOL], is-automated[=BOOL]");
  cmd->add_option("--format", options->format, "Format output with a Go template or json");
  cmd->add_flag("--no-trunc", request.no_trunc, "Do not truncate descriptions");
  cmd->add_flag("--list-tags", request.list_tags,
                "List the tags of TERM, a repository name without tag");
  cmd->add_flag("--compatible", options->compatible,
                "Also print the STARS, OFFICIAL and AUTOMATED columns, as Docker does");
  options->registry.add_to(*cmd);

  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto& request = options->request;
      request.filter = engine::parse_search_filters(options->filters);
      request.access = options->registry.access();
      auto results = cli.engine().search(request);
      print_results(options->format, request.list_tags, options->compatible, results);
      return 0;
    };
  });
}

}  // namespace berth::cli
