// Remote client: manifest lists through the libpod manifests routes.

#include <charconv>

#include "common/error.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"
#include "engine/remote_manifest.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

std::string bool_text(bool value) { return value ? "true" : "false"; }

std::string manifest_path(const std::string& list, const std::string& action = "") {
  return libpod("/manifests/" + escape(list) + (action.empty() ? "" : "/" + action));
}

// The query of access: "?tlsVerify=BOOL", or "" when registries.conf
// decides. Rejects files on this host, which the service cannot read;
// --creds travels in the X-Registry-Auth header.
std::string access_query(const RegistryAccess& access, const std::string& command) {
  if (!access.cert_dir.empty() || !access.authfile.empty()) {
    fail(ErrorCode::kInvalidArgument,
         "{} --cert-dir and --authfile name files on this host, which the service cannot read: "
         "drop them, or run berth on the service's host",
         command);
  }
  if (!access.tls_verify) return "";
  return "?tlsVerify=" + bool_text(*access.tls_verify);
}

// Adds the set fields of entry to a ManifestModifyOptions body.
void add_entry_fields(json& body, const ManifestEntryOptions& entry) {
  if (entry.arch) body["arch"] = *entry.arch;
  if (entry.os) body["os"] = *entry.os;
  if (entry.variant) body["variant"] = *entry.variant;
  if (entry.os_version) body["os_version"] = *entry.os_version;
  if (entry.os_features) body["os_features"] = *entry.os_features;
  if (entry.features) body["features"] = *entry.features;
  if (!entry.annotations.empty()) body["annotation"] = entry.annotations;
}

// Reads the decimal number at the start of text. Returns false when there
// is none.
bool parse_count(std::string_view text, std::size_t& value) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr != text.data();
}

// Splits "Copying image DIGEST (I/N)" into its parts. Returns false for
// another line.
bool parse_copying_image(const std::string& line, std::string& digest, std::size_t& index,
                         std::size_t& count) {
  static const std::string prefix = "Copying image ";
  if (!line.starts_with(prefix)) return false;
  auto open = line.find(" (", prefix.size());
  auto slash = line.find('/', open);
  if (open == std::string::npos || slash == std::string::npos) return false;
  digest = line.substr(prefix.size(), open - prefix.size());
  return parse_count(line.substr(open + 2, slash - open - 2), index) &&
         parse_count(line.substr(slash + 1), count);
}

}  // namespace

void remote::report_manifest_push_line(std::string text, ManifestPushProgress& progress) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::string digest;
  std::size_t index = 0, count = 0;
  std::size_t instances = 0;
  if (text.starts_with("Copying ") && text.ends_with(" images in list")) {
    // "Copying N of N images in list"
    if (parse_count(std::string_view(text).substr(8), instances)) {
      progress.copying_instances(instances);
    }
  } else if (parse_copying_image(text, digest, index, count)) {
    progress.copying_instance(digest, index, count);
  } else if (text == "Writing manifest list to image destination") {
    progress.writing_list();
  } else if (text != "Getting image list signatures" && text != "Storing list signatures" &&
             text != "Storing signatures") {
    report_progress_line(text, progress);
  }
}

std::string RemoteEngine::manifest_create(const ManifestCreateRequest& request) {
  std::string target = manifest_path(request.list);
  std::string query = access_query(request.access, "manifest create");
  client_.set_registry_auth(registry_auth_value(request.access.username, request.access.password));
  query += (query.empty() ? "?" : "&") + std::string("all=") + bool_text(request.all);
  query += "&amend=" + bool_text(request.amend);
  if (!request.images.empty()) {
    std::string images;
    for (const auto& image : request.images) images += (images.empty() ? "" : ",") + image;
    query += "&images=" + escape(images);
  }
  json body = json::object();
  if (!request.annotations.empty()) body["index_annotation"] = request.annotations;
  json reply = client_.send_json("POST", target + query, body);
  return string_or_empty(reply, "Id");
}

std::string RemoteEngine::manifest_add(const ManifestAddRequest& request) {
  std::string query = access_query(request.access, "manifest add");
  client_.set_registry_auth(registry_auth_value(request.access.username, request.access.password));
  json body = {{"operation", "update"}, {"images", request.images}, {"all", request.all}};
  add_entry_fields(body, request.entry);
  json reply = client_.send_json("PUT", manifest_path(request.list) + query, body);
  return string_or_empty(reply, "Id");
}

std::string RemoteEngine::manifest_annotate(const ManifestAnnotateRequest& request) {
  json body = {{"operation", "annotate"}};
  ManifestEntryOptions entry = request.entry;
  if (request.index) {
    // The index's annotations travel in index_annotation and no entry is named.
    if (!entry.annotations.empty()) body["index_annotation"] = entry.annotations;
    entry.annotations.clear();
    body["images"] = json::array();
  } else {
    body["images"] = {request.instance};
  }
  add_entry_fields(body, entry);
  json reply = client_.send_json("PUT", manifest_path(request.list), body);
  return string_or_empty(reply, "Id");
}

std::string RemoteEngine::manifest_remove(const std::string& list, const std::string& digest) {
  json body = {{"operation", "remove"}, {"images", {digest}}};
  json reply = client_.send_json("PUT", manifest_path(list), body);
  return string_or_empty(reply, "Id");
}

nlohmann::ordered_json RemoteEngine::manifest_inspect(const std::string& list,
                                                      const RegistryAccess& access) {
  std::string target = manifest_path(list, "json") + access_query(access, "manifest inspect");
  client_.set_registry_auth(registry_auth_value(access.username, access.password));
  api::HttpReply reply = client_.send("GET", target);
  // Parsed in order, so the output keeps the service's member order.
  try {
    return nlohmann::ordered_json::parse(reply.body);
  } catch (const nlohmann::json::parse_error& e) {
    fail(ErrorCode::kInternal, "inspecting manifest list {}: the service sent invalid JSON: {}",
         list, e.what());
  }
}

bool RemoteEngine::manifest_exists(const std::string& list) {
  try {
    client_.send("GET", manifest_path(list, "exists"));
    return true;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    throw;
  }
}

ImageRemoveReport RemoteEngine::manifest_rm(const std::string& list) {
  json reply = client_.send_json("DELETE", manifest_path(list));
  ImageRemoveReport report;
  report.untagged = strings_or_empty(reply, "Untagged");
  for (const auto& id : strings_or_empty(reply, "Deleted")) {
    report.deleted.push_back(strip_sha256(id));
  }
  return report;
}

std::string RemoteEngine::manifest_push(const ManifestPushRequest& request,
                                        ManifestPushProgress& progress) {
  std::string query = access_query(request.access, "manifest push");
  client_.set_registry_auth(registry_auth_value(request.access.username, request.access.password));
  std::string destination = request.destination.empty() ? request.list : request.destination;
  std::string target = manifest_path(request.list, "registry/" + escape(destination));
  target += query + (query.empty() ? "?" : "&") + "quiet=false&all=" + bool_text(request.all);
  target += "&rm=" + bool_text(request.remove);
  if (!request.format.empty()) target += "&format=" + escape(request.format);

  std::string digest, error;
  JsonLines lines([&](const json& line) {
    if (auto text = string_or_empty(line, "error"); !text.empty()) error = text;
    if (auto text = string_or_empty(line, "Id"); !text.empty()) digest = text;
    if (auto text = string_or_empty(line, "stream"); !text.empty()) {
      report_manifest_push_line(text, progress);
    }
    return true;
  });
  client_.stream("POST", target, "", [&](std::string_view data) { return lines.feed(data); });
  // The code of an error inside the 200 stream is lost; it comes back as an
  // internal error with the engine's message.
  if (!error.empty()) throw Error(ErrorCode::kInternal, error);
  if (digest.empty()) {
    fail(ErrorCode::kInternal, "pushing manifest list {}: the service sent no digest",
         request.list);
  }
  return digest;
}

}  // namespace berth::engine
