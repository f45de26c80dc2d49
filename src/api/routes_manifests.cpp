// Manifest list routes of Podman's libpod API: create, add, modify
// (update, remove, annotate), inspect, exists, delete and push. Docker's
// API has none.

#include "api/exchange.hpp"
#include "api/images_progress.hpp"
#include "api/images_request.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/engine.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

// The values of a repeated parameter, each also split at commas: Podman's
// clients join the images of a create into one "images=a,b".
std::vector<std::string> split_values(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t end = value.find(',', start);
      if (end == std::string::npos) end = value.size();
      if (end > start) out.push_back(value.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

// The strings of the list body[key], none for an absent or null member.
// Throws Error{kInvalidArgument} for another type.
std::vector<std::string> string_list(const json& body, const char* key) {
  std::vector<std::string> out;
  if (!body.contains(key) || body[key].is_null()) return out;
  if (!body[key].is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid \"{}\": expected a list of strings", key);
  }
  for (const auto& item : body[key]) {
    if (!item.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid \"{}\": expected a list of strings", key);
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::string> optional_string(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_string()) {
    fail(ErrorCode::kInvalidArgument, "invalid \"{}\": expected a string", key);
  }
  return body[key].get<std::string>();
}

// KEY=VALUE annotations from the list member (singular) and the map member
// (plural), which Podman 5 prefers.
std::vector<std::string> annotations(const json& body, const char* list_key, const char* map_key) {
  std::vector<std::string> out = string_list(body, list_key);
  if (body.contains(map_key) && body[map_key].is_object()) {
    for (const auto& [key, value] : body[map_key].items()) {
      out.push_back(key + "=" + (value.is_string() ? value.get<std::string>() : value.dump()));
    }
  }
  return out;
}

// The platform fields and annotations of an entry, from a ManifestModifyOptions
// or ManifestAddOptions body. Absent fields stay unset.
engine::ManifestEntryOptions entry_options(const json& body) {
  engine::ManifestEntryOptions entry;
  entry.arch = optional_string(body, "arch");
  entry.os = optional_string(body, "os");
  entry.variant = optional_string(body, "variant");
  entry.os_version = optional_string(body, "os_version");
  if (body.contains("os_features") && !body["os_features"].is_null()) {
    entry.os_features = string_list(body, "os_features");
  }
  if (body.contains("features") && !body["features"].is_null()) {
    entry.features = string_list(body, "features");
  }
  entry.annotations = annotations(body, "annotation", "annotations");
  return entry;
}

bool body_flag(const json& body, const char* key) {
  return body.contains(key) && body[key].is_boolean() && body[key].get<bool>();
}

// Registry access for the first of references (none: the list's own).
engine::RegistryAccess access_for(Exchange& x, const std::vector<std::string>& references,
                                  const std::string& fallback) {
  std::string reference = references.empty() ? fallback : references.front();
  if (reference.starts_with("docker://")) reference.erase(0, 9);
  try {
    return request_registry_access(x, reference);
  } catch (const Error&) {
    // A local image ID is no registry reference: only tlsVerify applies.
    engine::RegistryAccess access;
    if (x.query().has("tlsVerify")) access.tls_verify = x.query().flag("tlsVerify", true);
    return access;
  }
}

// The ManifestModifyOptions of a request that passes them as query
// parameters, as Podman 4.3's client does.
json query_options(Exchange& x) {
  json body = json::object();
  body["operation"] = x.query().get("operation").value_or("");
  body["images"] = split_values(x.query().all("images"));
  body["all"] = x.query().flag("all", false);
  for (const char* key : {"arch", "os", "os_version", "variant"}) {
    if (auto value = x.query().get(key); value && !value->empty()) body[key] = *value;
  }
  for (const char* key : {"features", "os_features", "annotation"}) {
    if (auto values = x.query().all(key); !values.empty()) body[key] = values;
  }
  return body;
}

// POST /libpod/manifests/{name}?images=&all=&amend= (Podman 5), and
// POST /libpod/manifests?name= (Podman 4): {"Id"} of the new list. The
// body's index_annotation sets annotations on the index.
void create(Exchange& x) {
  engine::ManifestCreateRequest request;
  request.list = x.param("name").empty() ? x.query().get("name").value_or("") : x.param("name");
  if (request.list.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing name: name the manifest list to create");
  }
  request.images = split_values(x.query().all("images"));
  request.all = x.query().flag("all", false);
  request.amend = x.query().flag("amend", false);
  json body = x.json_body();
  request.annotations = annotations(body, "index_annotation", "index_annotations");
  request.access = access_for(x, request.images, request.list);
  std::string id = x.engine().manifest_create(request);
  x.reply_json(status::ok, ordered_json{{"Id", id}});
}

// POST /libpod/manifests/{name}/add (Podman 4): a ManifestAddOptions body.
void add(Exchange& x) {
  json body = x.json_body();
  engine::ManifestAddRequest request;
  request.list = x.param("name");
  request.images = string_list(body, "images");
  request.all = body_flag(body, "all");
  request.entry = entry_options(body);
  request.access = access_for(x, request.images, request.list);
  std::string id = x.engine().manifest_add(request);
  x.reply_json(status::ok, ordered_json{{"Id", id}});
}

// PUT /libpod/manifests/{name}: a ManifestModifyOptions body whose
// operation is "update" (add images), "remove" (the entries with the
// digests in images) or "annotate" (the entry images[0], or the index
// with index_annotation). Replies {"Id", "images", "files", "errors"}.
void modify(Exchange& x) {
  json body = x.json_body();
  // Podman 4 clients send the options as query parameters and no body.
  if (!body.contains("operation")) body = query_options(x);
  std::string operation = optional_string(body, "operation").value_or("");
  std::string list = x.param("name");
  std::vector<std::string> images = string_list(body, "images");
  std::string id;
  if (operation == "update") {
    engine::ManifestAddRequest request;
    request.list = list;
    request.images = images;
    request.all = body_flag(body, "all");
    request.entry = entry_options(body);
    request.access = access_for(x, images, list);
    id = x.engine().manifest_add(request);
  } else if (operation == "remove") {
    if (images.empty()) {
      fail(ErrorCode::kInvalidArgument, "missing images: name the digests to remove");
    }
    for (const auto& digest : images) id = x.engine().manifest_remove(list, digest);
  } else if (operation == "annotate") {
    engine::ManifestAnnotateRequest request;
    request.list = list;
    request.entry = entry_options(body);
    auto index_annotations = annotations(body, "index_annotation", "index_annotations");
    if (images.empty()) {
      request.index = true;
      request.entry.annotations = index_annotations;
    } else {
      request.instance = images.front();
      if (!index_annotations.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "annotate takes annotations for one entry or for the index, not both");
      }
    }
    id = x.engine().manifest_annotate(request);
  } else {
    fail(ErrorCode::kInvalidArgument,
         "invalid operation \"{}\": use update, remove or annotate", operation);
  }
  x.reply_json(status::ok, ordered_json{{"Id", id}, {"images", images}, {"files", nullptr},
                                        {"errors", nullptr}});
}

// GET /libpod/manifests/{name}/json?tlsVerify=: a local list, else the
// list or manifest a registry has under that reference.
void inspect(Exchange& x) {
  std::string list = x.param("name");
  auto access = access_for(x, {}, list);
  x.reply_json(status::ok, x.engine().manifest_inspect(list, access));
}

void exists(Exchange& x) {
  if (!x.engine().manifest_exists(x.param("name"))) {
    fail(ErrorCode::kNotFound, "{}: image not known", x.param("name"));
  }
  x.reply_empty(status::no_content);
}

// DELETE /libpod/manifests/{name}: Podman's image removal report.
void remove(Exchange& x) {
  auto report = x.engine().manifest_rm(x.param("name"));
  x.reply_json(status::ok, ordered_json{{"Deleted", report.deleted},
                                        {"Untagged", report.untagged},
                                        {"Errors", json::array()},
                                        {"ExitCode", 0}});
}

// The lines `manifest push` prints, each as {"stream": "line\n"}: the list
// lines here, and each image's copy through a LibpodProgress.
class ManifestStreamProgress : public engine::ManifestPushProgress {
 public:
  ManifestStreamProgress(JsonLineStream& out, bool quiet)
      : out_(out), quiet_(quiet), instance_(std::in_place, out, quiet) {}

  void copying_instances(std::size_t count) override {
    line("Getting image list signatures\n");
    line(fmt::format("Copying {} of {} images in list\n", count, count));
  }
  void copying_instance(const std::string& digest, std::size_t index,
                        std::size_t count) override {
    // Each image gets its own "Getting image source signatures" line.
    instance_.emplace(out_, quiet_);
    line(fmt::format("Copying image {} ({}/{})\n", digest, index, count));
  }
  void writing_list() override {
    line("Writing manifest list to image destination\n");
    line("Storing list signatures\n");
  }
  void trying(const std::string& reference) override { instance_->trying(reference); }
  void copying_blob(const std::string& digest, bool already_exists) override {
    instance_->copying_blob(digest, already_exists);
  }
  void copying_config(const std::string& digest) override { instance_->copying_config(digest); }
  void writing_manifest() override {
    instance_->writing_manifest();
    line("Storing signatures\n");
  }

 private:
  void line(const std::string& text) {
    if (!quiet_) out_.write({{"stream", text}});
  }

  JsonLineStream& out_;
  bool quiet_;
  std::optional<LibpodProgress> instance_;
};

// POST /libpod/manifests/{name}/registry/{destination}?all=&format=&rm=
// &tlsVerify=&quiet=: with quiet=false, progress as {"stream"} lines, then
// {"Id": DIGEST} or {"error"} after a failure; with quiet (the default),
// only {"Id": DIGEST}.
void push(Exchange& x) {
  engine::ManifestPushRequest request;
  request.list = x.param("name");
  request.destination = x.param("destination");
  request.all = x.query().flag("all", true);
  request.format = x.query().get("format").value_or("");
  request.remove = x.query().flag("rm", false);
  std::string target = request.destination;
  if (target.starts_with("docker://")) target.erase(0, 9);
  request.access = request_registry_access(x, target);
  if (x.query().flag("quiet", true)) {
    JsonLineStream unused(x);
    ManifestStreamProgress progress(unused, true);
    std::string digest = x.engine().manifest_push(request, progress);
    x.reply_json(status::ok, ordered_json{{"Id", digest}});
    return;
  }
  x.begin_stream(status::ok, "application/json");
  JsonLineStream out(x);
  ManifestStreamProgress progress(out, false);
  try {
    std::string digest = x.engine().manifest_push(request, progress);
    out.write({{"Id", digest}});
  } catch (const std::exception& e) {
    spdlog::info("api: push of manifest list {} failed: {}", request.list, e.what());
    out.write({{"error", e.what()}});
  }
  x.end_stream();
}

}  // namespace

void add_manifest_routes(Router& router) {
  // Literal paths and longer patterns go before "{name...}", which would
  // match them. A list name with a slash must be percent-encoded in the
  // push path, since the destination takes the rest of it.
  router.add(verb::post, "/libpod/manifests", create);
  router.add(verb::post, "/libpod/manifests/{name}/registry/{destination...}", push);
  router.add(verb::post, "/libpod/manifests/{name...}/add", add);
  router.add(verb::post, "/libpod/manifests/{name...}", create);
  router.add(verb::put, "/libpod/manifests/{name...}", modify);
  router.add(verb::get, "/libpod/manifests/{name...}/json", inspect);
  router.add_quick(verb::get, "/libpod/manifests/{name...}/exists", exists);
  router.add(verb::delete_, "/libpod/manifests/{name...}", remove);
}

}  // namespace berth::api
