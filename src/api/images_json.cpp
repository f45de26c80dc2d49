// JSON shapes and list filters of the image routes.

#include "api/images_json.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/list_filters.hpp"

namespace berth::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::optional<bool> parse_bool_filter(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  fail(ErrorCode::kInvalidArgument, "invalid filter \"{}={}\": use true or false", key, value);
}

// The forms of a stored name that a reference pattern is tried against.
std::vector<std::string> name_forms(const std::string& name) {
  std::vector<std::string> forms;
  std::string untagged = name;
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    untagged = name.substr(0, colon);
  }
  for (const std::string& full : {name, untagged}) {
    forms.push_back(full);
    for (std::size_t pos = full.find('/'); pos != std::string::npos;
         pos = full.find('/', pos + 1)) {
      forms.push_back(full.substr(pos + 1));
    }
  }
  return forms;
}

bool item_has_id_prefix(const ImageListItem& item, const std::vector<std::string>& ids) {
  for (std::string id : ids) {
    if (id.starts_with("sha256:")) id.erase(0, 7);
    if (item.summary.id.starts_with(id)) return true;
  }
  return false;
}

// The created time of the image that a before or since filter names.
std::int64_t created_of(const std::vector<ImageListItem>& items, const std::string& key,
                        const std::string& name_or_id) {
  std::string id = name_or_id.starts_with("sha256:") ? name_or_id.substr(7) : name_or_id;
  for (const auto& item : items) {
    if (id.size() >= 3 && item.summary.id.starts_with(id)) return item.summary.created_ns;
    for (const auto& name : item.summary.names) {
      if (reference_filter_matches(name_or_id, name)) {
        return item.summary.created_ns;
      }
    }
  }
  fail(ErrorCode::kNotFound, "invalid filter \"{}={}\": no such image", key, name_or_id);
}

ordered_json created_seconds(std::int64_t created_ns) { return created_ns / 1000000000; }

// The value of key in object, or fallback when it is missing or null.
ordered_json field_or(const json& object, const char* key, ordered_json fallback) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return fallback;
  return object[key];
}

// Builds Docker's container config of an image from the OCI image config's
// "config" object. The optional fields (ExposedPorts, Healthcheck,
// ArgsEscaped, StopSignal, Shell) appear only when the image sets them,
// because Docker leaves them out when empty.
ordered_json docker_container_config(const json& config) {
  ordered_json out = {
      {"Hostname", ""},       {"Domainname", ""},      {"User", field_or(config, "User", "")},
      {"AttachStdin", false}, {"AttachStdout", false}, {"AttachStderr", false}};
  if (config.is_object() && config.contains("ExposedPorts")) {
    out["ExposedPorts"] = config["ExposedPorts"];
  }
  out["Tty"] = false;
  out["OpenStdin"] = false;
  out["StdinOnce"] = false;
  out["Env"] = field_or(config, "Env", nullptr);
  out["Cmd"] = field_or(config, "Cmd", nullptr);
  for (const char* key : {"Healthcheck", "ArgsEscaped"}) {
    if (config.is_object() && config.contains(key)) out[key] = config[key];
  }
  out["Image"] = "";
  out["Volumes"] = field_or(config, "Volumes", nullptr);
  out["WorkingDir"] = field_or(config, "WorkingDir", "");
  out["Entrypoint"] = field_or(config, "Entrypoint", nullptr);
  out["OnBuild"] = field_or(config, "OnBuild", nullptr);
  out["Labels"] = field_or(config, "Labels", nullptr);
  for (const char* key : {"StopSignal", "Shell"}) {
    if (config.is_object() && config.contains(key)) out[key] = config[key];
  }
  return out;
}

}  // namespace

ImageListFilter ImageListFilter::parse(const std::vector<std::string>& filters) {
  ImageListFilter filter;
  for (const auto& item : filters) {
    auto equals = item.find('=');
    if (equals == std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": use KEY=VALUE", item);
    }
    std::string key = item.substr(0, equals);
    std::string value = item.substr(equals + 1);
    if (key == "reference") {
      filter.references.push_back(value);
    } else if (key == "dangling") {
      filter.dangling = parse_bool_filter(key, value);
    } else if (key == "label") {
      filter.labels.push_back(value);
    } else if (key == "label!") {
      filter.absent_labels.push_back(value);
    } else if (key == "id") {
      filter.ids.push_back(value);
    } else if (key == "before") {
      filter.before = value;
    } else if (key == "since") {
      filter.since = value;
    } else if (key == "until") {
      filter.until_ns = parse_time_or_duration(value);
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid filter \"{}\": use reference, dangling, label, label!, id, before, since "
           "or until",
           key);
    }
  }
  return filter;
}

bool reference_filter_matches(const std::string& pattern, const std::string& name) {
  for (const auto& form : name_forms(name)) {
    if (::fnmatch(pattern.c_str(), form.c_str(), 0) == 0) return true;
  }
  return false;
}

bool is_intermediate_image(const ImageListItem& item, const std::vector<ImageListItem>& all) {
  if (!item.summary.names.empty() || item.layers.empty()) return false;
  for (const auto& other : all) {
    if (other.summary.id == item.summary.id || other.layers.size() <= item.layers.size()) {
      continue;
    }
    if (std::equal(item.layers.begin(), item.layers.end(), other.layers.begin())) return true;
  }
  return false;
}

std::vector<ImageListItem> filter_image_list(std::vector<ImageListItem> items,
                                             const ImageListFilter& filter, bool all) {
  std::optional<std::int64_t> before_ns;
  std::optional<std::int64_t> since_ns;
  if (filter.before) before_ns = created_of(items, "before", *filter.before);
  if (filter.since) since_ns = created_of(items, "since", *filter.since);

  std::vector<ImageListItem> matching;
  for (auto& item : items) {
    const auto& summary = item.summary;
    if (!all && (summary.intermediate || is_intermediate_image(item, items))) continue;
    if (filter.dangling && summary.names.empty() != *filter.dangling) continue;
    if (!filter.ids.empty() && !item_has_id_prefix(item, filter.ids)) continue;
    if (before_ns && summary.created_ns >= *before_ns) continue;
    if (since_ns && summary.created_ns <= *since_ns) continue;
    if (filter.until_ns && summary.created_ns >= *filter.until_ns) continue;
    bool labels_ok = std::all_of(filter.labels.begin(), filter.labels.end(), [&](const auto& l) {
      return engine::filter_labels_match(item.labels, l);
    });
    bool absent_ok =
        std::none_of(filter.absent_labels.begin(), filter.absent_labels.end(),
                     [&](const auto& l) { return engine::filter_labels_match(item.labels, l); });
    if (!labels_ok || !absent_ok) continue;
    if (!filter.references.empty()) {
      std::vector<std::string> names;
      for (const auto& name : summary.names) {
        for (const auto& pattern : filter.references) {
          if (reference_filter_matches(pattern, name)) {
            names.push_back(name);
            break;
          }
        }
      }
      if (names.empty()) continue;
      item.summary.names = std::move(names);
    }
    matching.push_back(std::move(item));
  }
  return matching;
}

ordered_json compat_image_summary(const ImageListItem& item) {
  const auto& summary = item.summary;
  ordered_json tags = summary.names;
  if (summary.names.empty()) tags = ordered_json::array({"<none>:<none>"});
  return {{"Id", "sha256:" + summary.id},
          {"ParentId", ""},
          {"RepoTags", tags},
          {"RepoDigests", summary.repo_digests},
          {"Created", created_seconds(summary.created_ns)},
          {"Size", summary.size},
          {"SharedSize", -1},
          {"VirtualSize", summary.size},
          {"Labels", item.labels.is_object() ? item.labels : json::object()},
          {"Containers", -1}};
}

ordered_json libpod_image_summary(const ImageListItem& item) {
  const auto& summary = item.summary;
  return {{"Id", summary.id},
          {"ParentId", ""},
          {"RepoTags", summary.names},
          {"RepoDigests", summary.repo_digests},
          {"Created", created_seconds(summary.created_ns)},
          {"Size", summary.size},
          {"SharedSize", 0},
          {"VirtualSize", summary.size},
          {"Labels", item.labels.is_object() ? item.labels : json::object()},
          {"Containers", item.containers},
          {"ReadOnly", false},
          {"Dangling", summary.names.empty()},
          {"Names", summary.names},
          {"Digest", summary.digest},
          {"History", summary.names},
          {"Arch", item.architecture},
          {"Os", item.os}};
}

ordered_json compat_image_inspect(const json& libpod) {
  std::string id = libpod.value("Id", "");
  if (!id.starts_with("sha256:")) id = "sha256:" + id;
  // NOTE: the image's own container_config (what the classic Docker
  // builder records) is not in the libpod inspect, so ContainerConfig
  // repeats Config, as Podman's compat API does.
  ordered_json config = docker_container_config(field_or(libpod, "Config", json::object()));
  ordered_json out = {{"Id", id},
                      {"RepoTags", field_or(libpod, "RepoTags", json::array())},
                      {"RepoDigests", field_or(libpod, "RepoDigests", json::array())},
                      {"Parent", field_or(libpod, "Parent", "")},
                      {"Comment", field_or(libpod, "Comment", "")},
                      {"Created", field_or(libpod, "Created", "")},
                      {"Container", ""},
                      {"ContainerConfig", config},
                      {"DockerVersion", field_or(libpod, "Version", "")},
                      {"Author", field_or(libpod, "Author", "")},
                      {"Config", config},
                      {"Architecture", field_or(libpod, "Architecture", "")}};
  if (libpod.contains("Variant")) out["Variant"] = libpod["Variant"];
  out["Os"] = field_or(libpod, "Os", "");
  out["Size"] = field_or(libpod, "Size", 0);
  out["VirtualSize"] = field_or(libpod, "VirtualSize", 0);
  out["GraphDriver"] = field_or(libpod, "GraphDriver", json::object());
  out["RootFS"] = field_or(libpod, "RootFS", json::object());
  // Docker's zero time: berth does not record when a name was last tagged.
  out["Metadata"] = {{"LastTagTime", "0001-01-01T00:00:00Z"}};
  return out;
}

ordered_json history_json(const std::vector<engine::ImageHistoryEntry>& history, bool libpod) {
  ordered_json out = ordered_json::array();
  for (const auto& entry : history) {
    std::string id = entry.id;
    if (!libpod && id != "<missing>") id = "sha256:" + id;
    out.push_back({{"Id", id},
                   {"Created", created_seconds(entry.created_ns)},
                   {"CreatedBy", entry.created_by},
                   {"Tags", entry.tags.empty() ? ordered_json(nullptr) : ordered_json(entry.tags)},
                   {"Size", entry.size},
                   {"Comment", entry.comment}});
  }
  return out;
}

ordered_json compat_remove_report(const engine::ImageRemoveReport& report) {
  ordered_json out = ordered_json::array();
  for (const auto& name : report.untagged) out.push_back({{"Untagged", name}});
  for (const auto& id : report.deleted) out.push_back({{"Deleted", "sha256:" + id}});
  return out;
}

ordered_json search_json(const std::vector<engine::SearchResult>& results, bool libpod) {
  ordered_json out = ordered_json::array();
  for (const auto& r : results) {
    if (libpod) {
      out.push_back({{"Index", r.index},
                     {"Name", r.name},
                     {"Description", r.description},
                     {"Stars", r.stars},
                     {"Official", r.official ? "[OK]" : ""},
                     {"Automated", r.automated ? "[OK]" : ""},
                     {"Tag", r.tag}});
    } else {
      out.push_back({{"name", r.name},
                     {"description", r.description},
                     {"star_count", r.stars},
                     {"is_official", r.official},
                     {"is_automated", r.automated}});
    }
  }
  return out;
}

}  // namespace berth::api
