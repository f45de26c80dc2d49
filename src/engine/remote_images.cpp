// Remote client: image removal, names, history, prune, push and search
// through the libpod API.

#include "common/error.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"
#include "engine/search.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

std::string image_path(const std::string& name, const std::string& action = "") {
  return libpod("/images/" + escape(name) + (action.empty() ? "" : "/" + action));
}

std::string bool_text(bool value) { return value ? "true" : "false"; }

// Returns the repo and tag query parameters of a name, "repo=R&tag=T". The
// tag is the part after the last ":" that follows the last "/". A name with
// a digest keeps the whole name as repo.
std::string repo_tag_query(const std::string& name) {
  std::string repo = name;
  std::string tag;
  auto slash = name.rfind('/');
  auto colon = name.rfind(':');
  if (name.find('@') == std::string::npos && colon != std::string::npos &&
      (slash == std::string::npos || colon > slash)) {
    repo = name.substr(0, colon);
    tag = name.substr(colon + 1);
  }
  std::string query = "repo=" + escape(repo);
  if (!tag.empty()) query += "&tag=" + escape(tag);
  return query;
}

// The tlsVerify parameter of access, "" when registries.conf decides.
std::string tls_query(const RegistryAccess& access) {
  if (!access.tls_verify) return "";
  return "&tlsVerify=" + bool_text(*access.tls_verify);
}

// Rejects the registry options that the service cannot take from a remote
// client: the files named here are on this host, not on the service's.
// --creds travels in the X-Registry-Auth header instead.
void reject_local_access_options(const RegistryAccess& access, const std::string& command) {
  if (!access.cert_dir.empty() || !access.authfile.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "{} --cert-dir and --authfile name files on this host, which the service cannot read: "
         "drop them, or run berth on the service's host",
         command);
  }
}

}  // namespace

ImageRemoveReport RemoteEngine::remove_image(const std::string& name_or_id, bool force) {
  json reply = client_.send_json("DELETE", image_path(name_or_id) + "?force=" + bool_text(force));
  ImageRemoveReport report;
  report.untagged = strings_or_empty(reply, "Untagged");
  for (const auto& id : strings_or_empty(reply, "Deleted")) report.deleted.push_back(strip_sha256(id));
  return report;
}

void RemoteEngine::tag_image(const std::string& name_or_id, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    client_.send("POST", image_path(name_or_id, "tag") + "?" + repo_tag_query(name));
  }
}

std::vector<std::string> RemoteEngine::untag_image(const std::string& name_or_id,
                                                   const std::vector<std::string>& names) {
  if (names.empty()) {
    // The route removes every name; report them as LocalEngine does.
    json inspect = inspect_image(name_or_id);
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    client_.send("POST", image_path(name_or_id, "untag"));
    return strings_or_empty(inspect, "RepoTags");
  }
  // NOTE: each name is a separate request, so an unknown name after the
  // first leaves the earlier names removed, unlike LocalEngine.
  for (const auto& name : names) {
    client_.send("POST", image_path(name_or_id, "untag") + "?" + repo_tag_query(name));
  }
  return names;
}

std::vector<ImageHistoryEntry> RemoteEngine::image_history(const std::string& name_or_id) {
  json reply = client_.send_json("GET", image_path(name_or_id, "history"));
  std::vector<ImageHistoryEntry> entries;
  if (!reply.is_array()) return entries;
  for (const auto& item : reply) {
    ImageHistoryEntry entry;
    entry.id = strip_sha256(string_or_empty(item, "Id"));
    entry.created_ns = time_field_ns(item, "Created");
    entry.created_by = string_or_empty(item, "CreatedBy");
    entry.tags = strings_or_empty(item, "Tags");
    entry.size = int_or_zero(item, "Size");
    entry.comment = string_or_empty(item, "Comment");
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<std::string> RemoteEngine::prune_images(const ImagePruneRequest& request) {
  std::string target = libpod("/images/prune?all=" + bool_text(request.all));
  if (std::string filters = filters_query(request.filters); !filters.empty()) {
    target += "&filters=" + filters;
  }
  json reply = client_.send_json("POST", target);
  std::vector<std::string> ids;
  if (!reply.is_array()) return ids;
  for (const auto& item : reply) ids.push_back(strip_sha256(string_or_empty(item, "Id")));
  return ids;
}

std::string RemoteEngine::push(const PushRequest& request, PullProgress& progress) {
  reject_local_access_options(request.access, "push");
  client_.set_registry_auth(registry_auth_value(request.access.username, request.access.password));
  if (!request.sign_by.empty() || request.remove_signatures || !request.signature_policy.empty()) {
    unsupported("push with signature options");
  }
  std::string target = image_path(request.image, "push") + "?destination=" +
                       escape(request.destination.empty() ? request.image : request.destination);
  target += tls_query(request.access);
  if (!request.format.empty()) target += "&format=" + escape(request.format);
  if (request.access.retry) target += "&retry=" + std::to_string(*request.access.retry);
  // Podman's query names; the service checks the values as a local push does.
  if (request.compression_format != "gzip") {
    target += "&compressionFormat=" + escape(request.compression_format);
  }
  if (request.compression_level) {
    target += "&compressionLevel=" + std::to_string(*request.compression_level);
  }

  std::string digest, error;
  JsonLines lines([&](const json& line) {
    if (auto text = string_or_empty(line, "error"); !text.empty()) error = text;
    if (auto text = string_or_empty(line, "manifestdigest"); !text.empty()) digest = text;
    report_progress_line(string_or_empty(line, "stream"), progress);
    return true;
  });
  client_.stream("POST", target, "", [&](std::string_view data) { return lines.feed(data); });
  // The service sends the engine's message; the code is lost inside the
  // 200 stream, so it comes back as an internal error.
  if (!error.empty()) throw Error(ErrorCode::kInternal, error);
  if (digest.empty()) {
    fail(ErrorCode::kInternal, "pushing {}: the service sent no manifest digest", request.image);
  }
  return digest;
}

namespace {

ImageTreeLayer tree_layer_from_json(const json& object) {
  ImageTreeLayer layer;
  layer.id = string_or_empty(object, "Id");
  layer.size = object.value("Size", std::int64_t{0});
  layer.top_layer_of = strings_or_empty(object, "TopLayerOf");
  if (object.contains("Children") && object["Children"].is_array()) {
    for (const auto& child : object["Children"]) {
      layer.children.push_back(tree_layer_from_json(child));
    }
  }
  return layer;
}

}  // namespace

ImageTreeReport RemoteEngine::image_tree(const std::string& name_or_id, bool whatrequires) {
  json reply = client_.send_json(
      "GET", image_path(name_or_id, "tree") + "?whatrequires=" + bool_text(whatrequires));
  ImageTreeReport report;
  report.id = string_or_empty(reply, "Id");
  report.names = strings_or_empty(reply, "Names");
  report.size = reply.value("Size", std::int64_t{0});
  if (reply.contains("Layers") && reply["Layers"].is_array()) {
    for (const auto& layer : reply["Layers"]) report.layers.push_back(tree_layer_from_json(layer));
  }
  if (report.id.empty()) {
    fail(ErrorCode::kInternal, "image tree of {}: the service sent no image ID", name_or_id);
  }
  return report;
}

std::vector<SearchResult> RemoteEngine::search(const SearchRequest& request) {
  reject_local_access_options(request.access, "search");
  client_.set_registry_auth(registry_auth_value(request.access.username, request.access.password));
  std::string target = libpod("/images/search?term=" + escape(request.term));
  if (request.limit > 0) target += "&limit=" + std::to_string(request.limit);
  if (request.list_tags) target += "&listTags=true";
  target += tls_query(request.access);
  std::vector<std::string> filters;
  if (request.filter.min_stars) filters.push_back("stars=" + std::to_string(*request.filter.min_stars));
  if (request.filter.official) filters.push_back("is-official=" + bool_text(*request.filter.official));
  if (request.filter.automated) {
    filters.push_back("is-automated=" + bool_text(*request.filter.automated));
  }
  if (std::string query = filters_query(filters); !query.empty()) target += "&filters=" + query;

  json reply = client_.send_json("GET", target);
  std::vector<SearchResult> results;
  if (!reply.is_array()) return results;
  for (const auto& item : reply) {
    SearchResult result;
    result.index = string_or_empty(item, "Index");
    result.name = string_or_empty(item, "Name");
    // The service sends whole descriptions; cut them here as a local search does.
    result.description = search_description(string_or_empty(item, "Description"), request.no_trunc);
    result.stars = int_or_zero(item, "Stars");
    result.official = !string_or_empty(item, "Official").empty();
    result.automated = !string_or_empty(item, "Automated").empty();
    result.tag = string_or_empty(item, "Tag");
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace berth::engine
