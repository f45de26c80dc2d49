// image history, image diff, image tree and image prune.

#include <time.h>

#include <cstdio>
#include <memory>

#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/image_query.hpp"
#include "engine/image_tree_text.hpp"
#include "format/table.hpp"
#include "format/template.hpp"
#include "format/tree.hpp"

namespace berth::cli {

namespace {

// Podman cuts CREATED BY to this many characters, "..." included, unless
// --no-trunc is given.
constexpr std::size_t kCreatedByWidth = 45;

// Formats a time as Go's time.Format does with the given layout kind:
// RFC 3339 in seconds ("2024-01-01T00:00:00Z") or time.String()
// ("2024-01-01 00:00:00 +0000 UTC"), in UTC.
std::string format_utc(std::int64_t ns, bool rfc3339) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  tm t;
  gmtime_r(&secs, &t);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, rfc3339 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S +0000 UTC",
                &t);
  return buffer;
}

using format::go_list;

std::string history_id(const engine::ImageHistoryEntry& entry, bool no_trunc) {
  if (no_trunc || entry.id == "<missing>") return entry.id;
  return entry.id.substr(0, 12);
}

std::string history_created(const engine::ImageHistoryEntry& entry, bool human) {
  if (!human) return format_utc(entry.created_ns, true);
  if (entry.created_ns == 0) return "N/A";
  return human_duration(now_ns() - entry.created_ns) + " ago";
}

std::string history_created_by(const engine::ImageHistoryEntry& entry, bool no_trunc) {
  if (no_trunc || entry.created_by.size() <= kCreatedByWidth) return entry.created_by;
  return entry.created_by.substr(0, kCreatedByWidth - 3) + "...";
}

// Prints entries as Podman's `history --format json` does.
void print_history_json(const std::vector<engine::ImageHistoryEntry>& entries) {
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const auto& entry : entries) {
    nlohmann::ordered_json item;
    std::string created = format_utc(entry.created_ns, true);
    item["id"] = entry.id;
    item["created"] = created;
    if (!entry.created_by.empty()) item["CreatedBy"] = entry.created_by;
    if (!entry.tags.empty()) item["tags"] = entry.tags;
    item["size"] = entry.size;
    if (!entry.comment.empty()) item["comment"] = entry.comment;
    item["Created"] = created;
    items.push_back(std::move(item));
  }
  std::printf("%s\n", items.dump(4).c_str());
}

// The template name and type that history's template errors show.
const format::RenderOptions kHistoryTemplate = {"history", "history", false};

// Prints items with a --format template. "table TEMPLATE" prints a header
// row first, with Podman's column titles for the history fields.
void print_history_template(const std::string& format, const nlohmann::json& items) {
  std::string text = format;
  if (text.starts_with("table")) {
    text = text.substr(5);
    text.erase(0, text.find_first_not_of(' '));
    if (text.empty()) text = "{{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    nlohmann::json titles = {{"ID", "ID"},           {"Created", "CREATED"},
                             {"CreatedAt", "CREATED AT"}, {"CreatedBy", "CREATED BY"},
                             {"Size", "SIZE"},       {"Comment", "COMMENT"},
                             {"Tags", "TAGS"}};
    std::printf("%s\n", format::render_template(text, titles, kHistoryTemplate).c_str());
  }
  for (const auto& item : items) {
    std::printf("%s\n", format::render_template(text, item, kHistoryTemplate).c_str());
  }
}

}  // namespace

void add_image_history(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::string image;
    bool no_trunc = false;
    bool quiet = false;
    bool human = true;
    std::string format;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "Show history of a specified image");
  cmd->add_option("image", options->image, "Image name or ID")->required();
  cmd->add_flag("--no-trunc,--notruncate", options->no_trunc, "Do not truncate the output");
  cmd->add_flag("-q,--quiet", options->quiet, "Print only the IDs");
  cmd->add_flag("-H,--human", options->human,
                "Print creation times as durations ago (default true); false prints RFC 3339");
  cmd->add_option("--format", options->format, "Format output with a Go template or json");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto entries = cli.engine().image_history(options->image);
      if (options->quiet) {
        for (const auto& e : entries) std::printf("%s\n", history_id(e, options->no_trunc).c_str());
        return 0;
      }
      if (options->format == "json") {
        print_history_json(entries);
        return 0;
      }
      if (!options->format.empty()) {
        nlohmann::json items = nlohmann::json::array();
        for (const auto& e : entries) {
          items.push_back({{"ID", history_id(e, options->no_trunc)},
                           {"Created", history_created(e, options->human)},
                           {"CreatedAt", format_utc(e.created_ns, false)},
                           {"CreatedBy", history_created_by(e, options->no_trunc)},
                           {"Size", format::human_size(static_cast<double>(e.size))},
                           {"Comment", e.comment},
                           {"Tags", go_list(e.tags)}});
        }
        print_history_template(options->format, items);
        return 0;
      }
      std::vector<std::vector<std::string>> rows = {
          {"ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
      for (const auto& e : entries) {
        rows.push_back({history_id(e, options->no_trunc), history_created(e, options->human),
                        history_created_by(e, options->no_trunc),
                        format::human_size(static_cast<double>(e.size)), e.comment});
      }
      std::fputs(format::render_table(rows).c_str(), stdout);
      return 0;
    };
  });
}

void add_image_diff(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string image;
    std::string base;
    std::string format;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(
      "diff",
      "Inspect changes of an image's top layer against the layers below it, or of its file "
      "system against a second image's");
  cmd->add_option("image", options->image, "Image name or ID")->required();
  cmd->add_option("base", options->base, "Image to compare with (default: the layers below)");
  cmd->add_option("--format", options->format, "Change the output format: json");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      if (!options->format.empty() && options->format != "json") {
        fail(ErrorCode::kInvalidArgument, "invalid --format \"{}\": only json is supported",
             options->format);
      }
      auto changes = options->base.empty()
                         ? cli.engine().image_diff(options->image)
                         : cli.engine().image_diff(options->image, options->base);
      print_changes(changes, options->format);
      return 0;
    };
  });
}

void print_changes(const std::vector<engine::ImageChange>& changes, const std::string& format) {
  if (format.empty()) {
    for (const auto& c : changes) std::printf("%c %s\n", c.kind, c.path.c_str());
    return;
  }
  nlohmann::ordered_json report = nlohmann::ordered_json::object();
  for (auto [kind, key] : {std::pair{'C', "changed"}, {'A', "added"}, {'D', "deleted"}}) {
    std::vector<std::string> paths;
    for (const auto& c : changes) {
      if (c.kind == kind) paths.push_back(c.path);
    }
    if (!paths.empty()) report[key] = paths;
  }
  // Podman indents its diff JSON by five spaces.
  std::printf("%s\n", report.dump(5).c_str());
}

void add_image_tree(CLI::App& parent, Cli& cli) {
  struct Options {
    std::string image;
    bool whatrequires = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("tree", "Print layer hierarchy of an image in a tree format");
  cmd->add_option("image", options->image, "Image name or ID")->required();
  cmd->add_flag("--whatrequires", options->whatrequires,
                "Show all child images and layers of the specified image");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto report = cli.engine().image_tree(options->image, options->whatrequires);
      std::printf("%s\n", engine::image_tree_text(report).c_str());
      return 0;
    };
  });
}

namespace {

// Prints the warning and the question to stdout and reads the reply line
// from stdin, as Podman does even when stdin is no terminal. Returns whether
// the reply starts with y or Y. Throws Error{kInvalidArgument} when stdin
// ends before a full line.
bool confirm(const char* warning) {
  std::printf("%s\nAre you sure you want to continue? [y/N] ", warning);
  std::fflush(stdout);
  std::string reply;
  for (;;) {
    int c = std::getchar();
    if (c == EOF) {
      fail(ErrorCode::kInvalidArgument,
           "reading the confirmation from stdin failed: end of file before a reply. Use -f to "
           "prune without confirmation");
    }
    if (c == '\n') break;
    reply += static_cast<char>(c);
  }
  return !reply.empty() && (reply[0] == 'y' || reply[0] == 'Y');
}

}  // namespace

void add_image_prune(CLI::App& parent, Cli& cli) {
  struct Options {
    engine::ImagePruneRequest request;
    bool force = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("prune", "Remove unused images");
  cmd->add_flag("-a,--all", options->request.all,
                "Remove all images not in use by containers, not just dangling ones");
  cmd->add_option("--filter", options->request.filters,
                  "Remove only images that match: until=TIMESTAMP|DURATION, label=KEY[=VALUE], "
                  "label!=KEY[=VALUE]");
  cmd->add_flag("-f,--force", options->force, "Do not ask for confirmation");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      // An invalid filter fails before the question is printed.
      engine::parse_image_prune_filters(options->request.filters);
      if (!options->force) {
        const char* warning =
            options->request.all
                ? "WARNING! This command removes all images without at least one container "
                  "associated with them."
                : "WARNING! This command removes all dangling images.";
        if (!confirm(warning)) return 0;
      }
      for (const auto& id : cli.engine().prune_images(options->request)) {
        std::printf("%s\n", id.c_str());
      }
      return 0;
    };
  });
}

}  // namespace berth::cli
