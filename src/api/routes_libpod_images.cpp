// Image routes that only Podman's libpod API has, or that it shapes its
// own way: pull, push, exists, remove, tag, untag, load, import, get,
// changes and commit.

#include <climits>

#include "api/exchange.hpp"
#include "api/images_progress.hpp"
#include "api/images_request.hpp"
#include "api/images_routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/engine.hpp"
#include "engine/image_tree_text.hpp"
#include "engine/recorded_progress.hpp"
#include "engine/scratch_dir.hpp"
#include "storage/diff_tar.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

// The platform of the arch, os and variant parameters, "" for the host's.
std::string platform_param(Exchange& x) {
  std::string arch = x.query().get("arch").value_or("");
  std::string os = x.query().get("os").value_or("");
  std::string variant = x.query().get("variant").value_or("");
  if (arch.empty() && os.empty() && variant.empty()) return "";
  std::string platform = (os.empty() ? "linux" : os) + "/" + arch;
  if (!variant.empty()) platform += "/" + variant;
  return platform;
}

// The ID of the local image named reference, or "" when there is none.
std::string local_image_id(Exchange& x, const std::string& reference) {
  if (!x.engine().image_exists(reference)) return "";
  json inspect = x.engine().inspect_image(reference);
  if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
  return inspect.value("Id", "");
}

// POST /libpod/images/pull: the pull policy decides whether a local image
// is enough; progress goes out as {"stream"} lines, then
// {"images": [ID], "id": ID}, or {"error"} after a failure.
void pull(Exchange& x) {
  std::string reference = x.query().get("reference").value_or("");
  if (reference.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing reference: name the image to pull");
  }
  if (x.query().flag("allTags", false)) {
    fail(ErrorCode::kInvalidArgument, "allTags is not supported: pull one tag at a time");
  }
  std::string policy = x.query().get("policy").value_or("always");
  if (policy != "always" && policy != "missing" && policy != "never" && policy != "newer") {
    fail(ErrorCode::kInvalidArgument,
         "invalid pull policy \"{}\": use always, missing, never or newer", policy);
  }
  engine::PullRequest request;
  request.reference = reference;
  auto access = request_registry_access(x, reference);
  request.tls_verify = access.tls_verify;
  request.username = access.username;
  request.password = access.password;
  request.platform = platform_param(x);
  std::string local_id;
  if (policy == "missing" || policy == "never") local_id = local_image_id(x, reference);
  if (policy == "never" && local_id.empty()) {
    fail(ErrorCode::kNotFound, "{}: image not known", reference);
  }

  x.begin_stream(status::ok, "application/json");
  JsonLineStream out(x);
  LibpodProgress progress(out, x.query().flag("quiet", false));
  try {
    // NOTE: policy "newer" pulls like "always"; the store then keeps the
    // local image when the registry has the same one.
    std::string id = local_id.empty() ? x.engine().pull(request, progress) : local_id;
    out.write({{"images", {id}}, {"id", id}});
  } catch (const std::exception& e) {
    spdlog::info("api: pull of {} failed: {}", reference, e.what());
    out.write({{"error", e.what()}});
  }
  x.end_stream();
}

// POST /libpod/images/{name}/push?destination=: progress as {"stream"}
// lines, or {"error"} after a failure. compressionFormat and
// compressionLevel are push's --compression-format and --compression-level.
// Podman 4.3's client sends them in lowercase.
void push(Exchange& x) {
  engine::PushRequest request;
  request.image = x.param("name");
  request.destination = x.query().get("destination").value_or("");
  std::string target = request.destination.empty() ? request.image : request.destination;
  if (target.starts_with("docker://")) target.erase(0, 9);
  request.access = request_registry_access(x, target);
  request.format = x.query().get("format").value_or("");
  auto compression = x.query().get("compressionFormat");
  if (!compression) compression = x.query().get("compressionformat");
  if (compression && !compression->empty()) request.compression_format = *compression;
  auto level = x.query().integer("compressionLevel");
  if (!level) level = x.query().integer("compressionlevel");
  if (level) {
    if (*level < INT_MIN || *level > INT_MAX) {
      fail(ErrorCode::kInvalidArgument, "invalid compressionLevel {}: use gzip 1-9 or zstd 1-20",
           *level);
    }
    request.compression_level = static_cast<int>(*level);
  }
  if (!x.engine().image_exists(request.image)) {
    fail(ErrorCode::kNotFound, "{}: image not known", request.image);
  }
  x.begin_stream(status::ok, "application/json");
  JsonLineStream out(x);
  LibpodProgress progress(out, x.query().flag("quiet", false));
  try {
    std::string digest = x.engine().push(request, progress);
    // Podman 5 ends the stream with the digest; Podman 4 clients reject
    // any line without "stream" or "error".
    if (x.libpod_major() != 4) out.write({{"manifestdigest", digest}});
  } catch (const std::exception& e) {
    spdlog::info("api: push of {} failed: {}", target, e.what());
    out.write({{"error", e.what()}});
  }
  x.end_stream();
}

void exists(Exchange& x) {
  if (!x.engine().image_exists(x.param("name"))) {
    fail(ErrorCode::kNotFound, "{}: image not known", x.param("name"));
  }
  x.reply_empty(status::no_content);
}

ordered_json remove_report_json(const std::vector<std::string>& deleted,
                                const std::vector<std::string>& untagged,
                                const std::vector<std::string>& errors, int exit_code) {
  return {{"Deleted", deleted}, {"Untagged", untagged}, {"Errors", errors},
          {"ExitCode", exit_code}};
}

// DELETE /libpod/images/{name}: one image; a failure is an error status.
void remove_one(Exchange& x) {
  auto report = x.engine().remove_image(x.param("name"), x.query().flag("force", false));
  x.reply_json(status::ok, remove_report_json(report.deleted, report.untagged, {}, 0));
}

// DELETE /libpod/images/remove?images=: several images (every one with
// all); failures go into Errors with Podman's exit code (1 unknown image,
// 2 image in use, 125 otherwise) and the status stays 200.
void remove_many(Exchange& x) {
  bool force = x.query().flag("force", false);
  bool ignore = x.query().flag("ignore", false);
  std::vector<std::string> names = x.query().all("images");
  if (x.query().flag("all", false)) {
    names.clear();
    for (const auto& image : x.engine().list_images()) names.push_back(image.id);
  }
  std::vector<std::string> deleted, untagged, errors;
  int exit_code = 0;
  for (const auto& name : names) {
    try {
      auto report = x.engine().remove_image(name, force);
      deleted.insert(deleted.end(), report.deleted.begin(), report.deleted.end());
      untagged.insert(untagged.end(), report.untagged.begin(), report.untagged.end());
    } catch (const Error& e) {
      if (ignore && e.code() == ErrorCode::kNotFound) continue;
      errors.push_back(e.what());
      int code = e.code() == ErrorCode::kNotFound ? 1 : e.code() == ErrorCode::kConflict ? 2 : 125;
      if (exit_code == 0) exit_code = code;
    }
  }
  x.reply_json(status::ok, remove_report_json(deleted, untagged, errors, exit_code));
}

// The name of the repo and tag parameters: "repo:tag", "repo" alone when
// tag is empty (the engine adds ":latest").
std::string repo_tag(Exchange& x) {
  std::string repo = x.query().get("repo").value_or("");
  std::string tag = x.query().get("tag").value_or("");
  if (repo.empty()) return "";
  return tag.empty() ? repo : repo + ":" + tag;
}

void tag(Exchange& x) {
  std::string name = repo_tag(x);
  if (name.empty()) fail(ErrorCode::kInvalidArgument, "missing repo: name the new repository");
  x.engine().tag_image(x.param("name"), {name});
  reply_created(x);
}

// POST /libpod/images/{name}/untag: the repo and tag given, or every name
// without repo.
void untag(Exchange& x) {
  std::string name = repo_tag(x);
  std::vector<std::string> names;
  if (!name.empty()) names.push_back(name);
  x.engine().untag_image(x.param("name"), names);
  reply_created(x);
}

void load(Exchange& x) {
  os::Fd body = body_file(x);
  engine::RecordedProgress progress;
  auto names = x.engine().load("", body.get(), progress);
  x.reply_json(status::ok,
               ordered_json{{"Names", names}, {engine::kProgressField, progress.events()}});
}

void import(Exchange& x) {
  if (auto url = x.query().get("url"); url && !url->empty()) {
    fail(ErrorCode::kInvalidArgument,
         "importing from URL \"{}\" is not supported: send the tar as the request body", *url);
  }
  engine::ImportRequest request;
  request.source = "-";
  request.reference = x.query().get("reference").value_or("");
  request.changes = x.query().all("changes");
  request.message = x.query().get("message").value_or("");
  request.os = x.query().get("os").value_or("");
  request.arch = x.query().get("arch").value_or("");
  request.variant = x.query().get("variant").value_or("");
  os::Fd body = body_file(x);
  engine::RecordedProgress progress;
  std::string id = x.engine().import_image(request, body.get(), progress);
  x.reply_json(status::ok,
               ordered_json{{"Id", "sha256:" + id}, {engine::kProgressField, progress.events()}});
}

// Saved directories are written under this directory, then sent as a
// tar. One that a killed service left behind is removed by the next save
// (see ScratchDir).
constexpr const char* kSaveRoot = "/var/tmp/berth-image-exports";

std::string archive_format(Exchange& x) {
  std::string format = x.query().get("format").value_or("docker-archive");
  if (format != "docker-archive" && format != "oci-archive" && format != "oci-dir" &&
      format != "docker-dir") {
    fail(ErrorCode::kInvalidArgument,
         "invalid format \"{}\": use docker-archive, oci-archive, oci-dir or docker-dir",
         format);
  }
  return format;
}

void save_images(Exchange& x, engine::SaveRequest request) {
  request.format = archive_format(x);
  // The engine rejects compress for archive formats, as Podman does.
  request.compress = x.query().flag("compress", false);
  os::Fd file = anonymous_temp_file();
  engine::RecordedProgress progress;
  if (request.format == "oci-dir" || request.format == "docker-dir") {
    // A directory is sent as a tar of its files, which the client unpacks.
    engine::ScratchDir scratch(kSaveRoot, "save");
    request.output = scratch.path() + "/out";
    x.engine().save(request, -1, progress);
    storage::write_diff_tar(request.output, file.get());
  } else {
    x.engine().save(request, file.get(), progress);
  }
  // The archive is complete before the reply starts, so the progress fits
  // in a header.
  x.add_header(engine::kProgressHeader, progress.events().dump());
  stream_file(x, file.get(), "application/x-tar");
}

// GET /libpod/images/{name}/get: one image as a tar. The repeated tags
// parameter, which berth's client sends and Podman has not, adds names to
// a docker-archive, as the extra names of a local `save` do.
void get_one(Exchange& x) {
  engine::SaveRequest request;
  request.images = {x.param("name")};
  for (auto& tag : x.query().all("tags")) request.images.push_back(std::move(tag));
  save_images(x, std::move(request));
}

// GET /libpod/images/export?references=: several images in one tar.
void export_many(Exchange& x) {
  engine::SaveRequest request;
  request.images = x.query().all("references");
  if (request.images.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing references: name at least one image to export");
  }
  request.multi_image = request.images.size() > 1;
  save_images(x, std::move(request));
}

// GET /libpod/images/{name}/changes?parent=: [{"Path", "Kind"}] with Kind
// 0 changed, 1 added and 2 deleted. Without parent, the changes of the
// image's top layer.
void changes(Exchange& x) {
  std::string parent = x.query().get("parent").value_or("");
  auto changes = parent.empty() ? x.engine().image_diff(x.param("name"))
                                : x.engine().image_diff(x.param("name"), parent);
  json out = json::array();
  for (const auto& change : changes) {
    int kind = 0;
    if (change.kind == 'A') kind = 1;
    if (change.kind == 'D') kind = 2;
    out.push_back({{"Path", change.path}, {"Kind", kind}});
  }
  x.reply_json(status::ok, out);
}

json tree_layer_json(const engine::ImageTreeLayer& layer) {
  json children = json::array();
  for (const auto& child : layer.children) children.push_back(tree_layer_json(child));
  return {{"Id", layer.id}, {"Size", layer.size}, {"TopLayerOf", layer.top_layer_of},
          {"Children", children}};
}

// GET /libpod/images/{name}/tree?whatrequires=: Podman 4's {"Tree"} text,
// which its remote client prints, and the same tree as fields (Id, Names,
// Size, Layers), which berth's client reads.
void tree(Exchange& x) {
  auto report = x.engine().image_tree(x.param("name"), x.query().flag("whatrequires", false));
  json layers = json::array();
  for (const auto& layer : report.layers) layers.push_back(tree_layer_json(layer));
  x.reply_json(status::ok, ordered_json{{"Tree", engine::image_tree_text(report)},
                                        {"Id", report.id},
                                        {"Names", report.names},
                                        {"Size", report.size},
                                        {"Layers", layers}});
}

// POST /libpod/commit?container=&repo=&tag=: {"Id"} of the new image.
// changes is repeated, one instruction each.
void commit(Exchange& x) {
  engine::CommitRequest request = commit_request(x);
  request.changes = x.query().all("changes");
  request.format = x.query().get("format").value_or("oci");
  request.pause = x.query().flag("pause", false);
  request.squash = x.query().flag("squash", false);
  engine::RecordedProgress progress;
  std::string id = x.engine().commit(request, progress);
  x.reply_json(status::ok, ordered_json{{"Id", id}, {engine::kProgressField, progress.events()}});
}

}  // namespace

void add_libpod_image_routes(Router& router) {
  router.add(verb::post, "/libpod/commit", commit);
  // Literal paths go before the "{name...}" patterns that would match them.
  router.add(verb::post, "/libpod/images/pull", pull);
  router.add(verb::post, "/libpod/images/load", load);
  router.add(verb::post, "/libpod/images/import", import);
  router.add(verb::get, "/libpod/images/export", export_many);
  router.add(verb::delete_, "/libpod/images/remove", remove_many);
  router.add(verb::post, "/libpod/images/{name...}/push", push);
  router.add(verb::get, "/libpod/images/{name...}/tree", tree);
  router.add_quick(verb::get, "/libpod/images/{name...}/exists", exists);
  router.add(verb::post, "/libpod/images/{name...}/tag", tag);
  router.add(verb::post, "/libpod/images/{name...}/untag", untag);
  router.add(verb::get, "/libpod/images/{name...}/get", get_one);
  router.add(verb::get, "/libpod/images/{name...}/changes", changes);
  router.add(verb::delete_, "/libpod/images/{name...}", remove_one);
}

}  // namespace berth::api
