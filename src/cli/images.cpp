// images, rmi, image exists and inspect.

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "api/images_json.hpp"
#include "api/images_routes.hpp"
#include "cli/cli.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "format/table.hpp"
#include "format/template.hpp"

namespace berth::cli {

namespace {

// Splits "registry/repository:tag" into repository and tag.
std::pair<std::string, std::string> split_name(const std::string& name) {
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {name, "<none>"};
  }
  return {name.substr(0, colon), name.substr(colon + 1)};
}

// Keeps the images with a name that matches reference, and within them
// only the matching names: "busybox" matches any registry's busybox, and
// without a tag any tag.
void filter_images(std::vector<engine::ImageSummary>& images, const std::string& reference) {
  auto [wanted_repository, wanted_tag] = split_name(reference);
  auto matches = [&](const std::string& name) {
    auto [repository, tag] = split_name(name);
    bool repository_ok =
        repository == wanted_repository || repository.ends_with("/" + wanted_repository);
    return repository_ok && (wanted_tag == "<none>" || tag == wanted_tag);
  };
  std::vector<engine::ImageSummary> kept;
  for (auto& image : images) {
    std::vector<std::string> names;
    for (const auto& n : image.names) {
      if (matches(n)) names.push_back(n);
    }
    if (names.empty()) continue;
    image.names = names;
    kept.push_back(std::move(image));
  }
  images = std::move(kept);
}

std::string created_ago(std::int64_t created_ns) {
  if (created_ns == 0) return "N/A";
  return human_duration(now_ns() - created_ns) + " ago";
}

// The fields of one `images --format` item, with Podman's names.
nlohmann::json image_fields(const engine::ImageSummary& image, const std::string& repository,
                            const std::string& tag, std::int64_t containers, std::int64_t now) {
  return {
      {"ID", image.id.substr(0, 12)},
      {"Id", image.id},
      {"Repository", repository},
      {"Tag", tag},
      {"Digest", image.digest},
      {"Digests", image.repo_digests},
      {"Names", image.names},
      {"RepoTags", image.names},
      {"RepoDigests", image.repo_digests},
      {"Created", image.created_ns == 0 ? "N/A" : human_duration(now - image.created_ns) + " ago"},
      {"CreatedSince", created_ago(image.created_ns)},
      // Podman keeps image times in whole seconds.
      {"CreatedAt", go_time_string(image.created_ns / 1'000'000'000 * 1'000'000'000)},
      {"CreatedTime", go_time_string(image.created_ns / 1'000'000'000 * 1'000'000'000)},
      {"Size", format::human_size(static_cast<double>(image.size))},
      {"VirtualSize", image.size},
      {"SharedSize", 0},
      {"Containers", containers},
      {"Dangling", image.names.empty()},
      {"ReadOnly", false},
      {"IsReadOnly", false},
      {"History", image.names}};
}

// RFC 3339 in the local time zone, to the second: "2024-01-01T10:00:00+01:00",
// with Z for UTC, as Go prints a time.Time made from Unix seconds.
std::string rfc3339_local_seconds(std::int64_t ns) {
  time_t seconds = static_cast<time_t>(ns / 1'000'000'000);
  tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &local);
  long offset = local.tm_gmtoff / 60;
  if (offset == 0) return std::string(text) + "Z";
  char sign = offset < 0 ? '-' : '+';
  offset = offset < 0 ? -offset : offset;
  return fmt::format("{}{}{:02}:{:02}", text, sign, offset / 60, offset % 60);
}

// `images --format json`: one object per image, with the fields and order
// of Podman's JSON. Podman keeps image times in whole seconds, so Created
// is a Unix time and CreatedAt has no fraction.
void print_images_json(Cli& cli, const std::vector<engine::ImageSummary>& images) {
  std::map<std::string, api::ImageListItem> details;
  for (auto& item : api::collect_image_list(cli.engine())) {
    std::string id = item.summary.id;
    details.emplace(id, std::move(item));
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& image : images) {
    auto found = details.find(image.id);
    nlohmann::json labels =
        found == details.end() ? nlohmann::json::object() : found->second.labels;
    std::int64_t seconds = image.created_ns / 1'000'000'000;
    nlohmann::ordered_json item = {
        {"Id", image.id},
        {"ParentId", ""},
        {"RepoTags", nullptr},
        {"RepoDigests", image.repo_digests},
        {"Size", image.size},
        {"SharedSize", 0},
        {"VirtualSize", image.size},
        {"Labels", labels.empty() ? nlohmann::json(nullptr) : labels},
        {"Containers", found == details.end() ? 0 : found->second.containers}};
    if (image.names.empty()) item["Dangling"] = true;
    if (!image.names.empty()) item["Names"] = image.names;
    item["Digest"] = image.digest;
    if (!image.names.empty()) item["History"] = image.names;
    item["Created"] = seconds;
    item["CreatedAt"] = rfc3339_local_seconds(image.created_ns);
    out.push_back(std::move(item));
  }
  std::printf("%s\n", out.dump(4).c_str());
}

// Prints images with a --format template or json, one item per name as
// Podman lists them.
void print_images_formatted(Cli& cli, const std::string& format,
                            const std::vector<engine::ImageSummary>& images) {
  if (format::is_json_format(format)) {
    print_images_json(cli, images);
    return;
  }
  std::map<std::string, std::int64_t> containers;
  for (const auto& c : cli.engine().list_containers(true)) ++containers[c.image_id];
  nlohmann::json items = nlohmann::json::array();
  std::int64_t now = now_ns();
  for (const auto& image : images) {
    std::int64_t count = containers.contains(image.id) ? containers[image.id] : 0;
    if (image.names.empty()) items.push_back(image_fields(image, "<none>", "<none>", count, now));
    for (const auto& n : image.names) {
      auto [repository, tag] = split_name(n);
      items.push_back(image_fields(image, repository, tag, count, now));
    }
  }
  format::FormatOptions options;
  options.name = "images";
  options.type_name = "image";
  options.headers = {{"ID", "IMAGE ID"},         {"Id", "IMAGE ID"},
                     {"Created", "CREATED"},     {"CreatedSince", "CREATED"},
                     {"CreatedAt", "CREATED AT"}, {"VirtualSize", "SIZE"}};
  options.default_table = "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";
  format::print_formatted(format, items, options);
}

}  // namespace

void add_images(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    bool all = false;
    bool quiet = false;
    bool no_trunc = false;
    bool digests = false;
    std::string format;
    std::string reference;  // optional IMAGE filter
    std::vector<std::string> filters;  // -f KEY=VALUE
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "List images in local storage");
  cmd->add_option("image", options->reference, "Only images whose name matches (NAME[:TAG])");
  cmd->add_flag("-a,--all", options->all, "Show all images, intermediate ones too");
  cmd->add_flag("-q,--quiet", options->quiet, "Print only image IDs");
  cmd->add_flag("--no-trunc", options->no_trunc, "Do not truncate the image ID");
  cmd->add_flag("--digests", options->digests, "Show digests");
  cmd->add_option("--format", options->format, "Format output with a Go template or json");
  cmd->add_option("-f,--filter", options->filters,
                  "Filter output by KEY=VALUE: reference, dangling, label, label!, before, "
                  "since, id, until (repeatable)")
      ->allow_extra_args(false);
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      std::vector<engine::ImageSummary> images;
      if (options->filters.empty()) {
        images = cli.engine().list_images();
        std::erase_if(images, [&](const auto& image) { return !options->all && image.intermediate; });
      } else {
        // The filters of the list routes, so that the CLI and the API agree.
        auto filter = api::ImageListFilter::parse(options->filters);
        auto items = api::filter_image_list(api::collect_image_list(cli.engine()), filter,
                                            options->all);
        for (auto& item : items) images.push_back(std::move(item.summary));
      }
      if (!options->reference.empty()) filter_images(images, options->reference);
      if (!options->format.empty() && !options->quiet) {
        print_images_formatted(cli, options->format, images);
        return 0;
      }
      if (options->quiet) {
        std::set<std::string> seen;
        for (const auto& image : images) {
          if (!seen.insert(image.id).second) continue;
          std::printf("%s\n", options->no_trunc ? ("sha256:" + image.id).c_str()
                                                : image.id.substr(0, 12).c_str());
        }
        return 0;
      }
      std::vector<std::vector<std::string>> rows;
      std::vector<std::string> header = {"REPOSITORY", "TAG"};
      if (options->digests) header.push_back("DIGEST");
      header.insert(header.end(), {"IMAGE ID", "CREATED", "SIZE"});
      rows.push_back(header);
      for (const auto& image : images) {
        std::vector<std::pair<std::string, std::string>> names;
        for (const auto& n : image.names) names.push_back(split_name(n));
        if (names.empty()) {
          std::string repository = "<none>";
          if (!image.repo_digests.empty()) {
            repository = image.repo_digests.front().substr(0, image.repo_digests.front().find('@'));
          }
          names.push_back({repository, "<none>"});
        }
        for (const auto& [repository, tag] : names) {
          std::vector<std::string> row = {repository, tag};
          if (options->digests) row.push_back(image.digest);
          row.push_back(options->no_trunc ? "sha256:" + image.id : image.id.substr(0, 12));
          row.push_back(created_ago(image.created_ns));
          row.push_back(format::human_size(static_cast<double>(image.size)));
          rows.push_back(row);
        }
      }
      std::fputs(format::render_table(rows).c_str(), stdout);
      return 0;
    };
  });
}

void add_rmi(CLI::App& parent, Cli& cli, const std::string& name) {
  struct Options {
    std::vector<std::string> images;
    bool force = false;
    bool all = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand(name, "Remove images from local storage");
  cmd->add_option("images", options->images, "Images to remove");
  cmd->add_flag("-f,--force", options->force, "Remove containers that use the image too");
  cmd->add_flag("-a,--all", options->all, "Remove all images");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto& engine = cli.engine();
      std::vector<std::string> targets = options->images;
      if (options->all) {
        for (const auto& image : engine.list_images()) targets.push_back(image.id);
      }
      if (targets.empty()) {
        fail(ErrorCode::kInvalidArgument, "image name or ID must be specified");
      }
      // Podman: 1 when an image was not found, 2 when one is in use.
      int exit_code = 0;
      for (const auto& target : targets) {
        try {
          auto report = engine.remove_image(target, options->force);
          for (const auto& u : report.untagged) std::printf("Untagged: %s\n", u.c_str());
          for (const auto& d : report.deleted) std::printf("Deleted: %s\n", d.c_str());
        } catch (const Error& e) {
          if (options->force && e.code() == ErrorCode::kNotFound) continue;
          print_error(e);
          int code = e.code() == ErrorCode::kNotFound  ? 1
                     : e.code() == ErrorCode::kConflict ? 2
                                                        : 125;
          exit_code = exit_code == 0 ? code : exit_code;
        }
      }
      return exit_code;
    };
  });
}

void add_image_exists(CLI::App& parent, Cli& cli) {
  auto image = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("exists", "Check whether an image is in local storage");
  cmd->add_option("image", *image, "Image name or ID")->required();
  cmd->callback([&cli, image] {
    cli.action = [&cli, image] { return cli.engine().image_exists(*image) ? 0 : 1; };
  });
}

void add_inspect(CLI::App& parent, Cli& cli, const std::string& name, const std::string& kind) {
  struct Options {
    std::vector<std::string> names;
    std::string format;
    std::string type;
    bool latest = false;
  };
  auto options = std::make_shared<Options>();
  options->type = kind;
  auto* cmd = parent.add_subcommand(name, "Display the configuration of containers or images");
  cmd->add_option("names", options->names, "Containers or images");
  cmd->add_option("-f,--format", options->format, "Format output with a Go template or json");
  if (kind.empty()) {
    cmd->add_option("-t,--type", options->type, "Kind of object: container, image or all");
  }
  if (kind != "image") cmd->add_flag("-l,--latest", options->latest, "Act on the latest container");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto& engine = cli.engine();
      std::vector<std::string> names = options->names;
      if (options->latest) names.push_back(engine.latest_container());
      if (names.empty()) fail(ErrorCode::kInvalidArgument, "no names or IDs to inspect given");
      std::string type = options->type.empty() ? "all" : options->type;
      if (type != "all" && type != "container" && type != "image") {
        fail(ErrorCode::kInvalidArgument,
             "invalid --type \"{}\": use container, image or all", type);
      }
      nlohmann::json results = nlohmann::json::array();
      int exit_code = 0;
      for (const auto& n : names) {
        try {
          if (type == "container") {
            results.push_back(engine.inspect_container(n));
          } else if (type == "image") {
            results.push_back(engine.inspect_image(n));
          } else {
            try {
              results.push_back(engine.inspect_container(n));
            } catch (const Error& e) {
              if (e.code() != ErrorCode::kNotFound) throw;
              if (!engine.image_exists(n)) {
                fail(ErrorCode::kNotFound, "no such object: \"{}\"", n);
              }
              results.push_back(engine.inspect_image(n));
            }
          }
        } catch (const Error& e) {
          print_error(e);
          exit_code = 125;
        }
      }
      if (options->format.empty() || format::is_json_format(options->format)) {
        std::printf("%s\n", results.dump(4).c_str());
        return exit_code;
      }
      format::RenderOptions render{"inspect", type == "image" ? "image" : "container", false};
      std::string out;
      for (const auto& r : results) {
        std::string text = format::render_template(options->format, r, render);
        out += text.ends_with('\n') ? text : text + '\n';
      }
      std::fputs(out.c_str(), stdout);
      return exit_code;
    };
  });
}

}  // namespace berth::cli
