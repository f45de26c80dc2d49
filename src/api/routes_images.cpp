// Image routes of Docker's compat API: list, inspect, pull (create),
// import, push, tag, delete, history, search, save (get), load, prune,
// auth and commit. The libpod image routes are in routes_libpod_images.cpp.

#include <map>

#include "api/exchange.hpp"
#include "api/images_auth.hpp"
#include "api/images_json.hpp"
#include "api/images_progress.hpp"
#include "api/images_request.hpp"
#include "api/images_routes.hpp"
#include "api/routes.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "config/auth_file.hpp"
#include "config/registries.hpp"
#include "engine/engine.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

// Docker's error line inside a progress stream whose headers are sent.
ordered_json compat_stream_error(const std::string& message) {
  return {{"errorDetail", {{"message", message}}}, {"error", message}};
}

void list(Exchange& x) {
  auto filter = ImageListFilter::parse(parse_filters(x.query().get("filters").value_or("")));
  auto items = filter_image_list(collect_image_list(x.engine()), filter,
                                 x.query().flag("all", false));
  ordered_json out = ordered_json::array();
  for (const auto& item : items) {
    out.push_back(x.libpod() ? libpod_image_summary(item) : compat_image_summary(item));
  }
  x.reply_json(status::ok, out);
}

// Throws Docker's error for an unknown image on the compat API: Docker
// clients look for "No such image" to tell a missing image from other
// 404s (docker-py raises ImageNotFound only then).
void require_compat_image(Exchange& x, const std::string& name) {
  if (x.libpod()) return;
  if (!x.engine().image_exists(name)) fail(ErrorCode::kNotFound, "No such image: {}", name);
}

void inspect(Exchange& x) {
  require_compat_image(x, x.param("name"));
  json result = x.engine().inspect_image(x.param("name"));
  if (result.is_array() && !result.empty()) result = result.front();
  if (x.libpod()) {
    x.reply_json(status::ok, result);
  } else {
    x.reply_json(status::ok, compat_image_inspect(result));
  }
}

// fromImage with tag: "busybox" and "1.36" give "busybox:1.36", a digest
// tag gives "busybox@sha256:...".
std::string pull_reference(const std::string& from_image, const std::string& tag) {
  if (tag.empty()) return from_image;
  return from_image + (tag.starts_with("sha256:") ? "@" : ":") + tag;
}

// The ID of the local image named reference, or "" when there is none.
std::string local_image_id(Exchange& x, const std::string& reference) {
  try {
    if (!x.engine().image_exists(reference)) return "";
    json inspect = x.engine().inspect_image(reference);
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    return inspect.value("Id", "");
  } catch (const Error&) {
    return "";
  }
}

void import_from_body(Exchange& x, const std::string& source) {
  if (source != "-") {
    fail(ErrorCode::kInvalidArgument,
         "importing from URL \"{}\" is not supported: send the tar as the request body with "
         "fromSrc=-",
         source);
  }
  engine::ImportRequest request;
  request.source = "-";
  std::string repo = x.query().get("repo").value_or("");
  std::string tag = x.query().get("tag").value_or("");
  if (!repo.empty()) request.reference = tag.empty() ? repo : repo + ":" + tag;
  request.changes = x.query().all("changes");
  request.message = x.query().get("message").value_or("");
  os::Fd body = body_file(x);
  SilentProgress progress;
  std::string id = x.engine().import_image(request, body.get(), progress);
  x.begin_stream(status::ok, "application/json");
  JsonLineStream out(x);
  out.write({{"status", "sha256:" + id}});
  x.end_stream();
}

// POST /images/create: a pull from fromImage (with tag), or an import of
// the body with fromSrc=-. Pull progress and a pull error go inside the
// 200 stream, as in Docker.
void create(Exchange& x) {
  if (auto source = x.query().get("fromSrc")) {
    import_from_body(x, *source);
    return;
  }
  std::string from_image = x.query().get("fromImage").value_or("");
  if (from_image.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing fromImage or fromSrc: name the image to pull");
  }
  engine::PullRequest request;
  request.reference = pull_reference(from_image, x.query().get("tag").value_or(""));
  std::string display_name = image::parse_reference(request.reference).ref.str();
  auto access = request_registry_access(x, request.reference);
  request.tls_verify = access.tls_verify;
  request.username = access.username;
  request.password = access.password;
  request.platform = x.query().get("platform").value_or("");
  std::string previous_id = local_image_id(x, request.reference);

  x.begin_stream(status::ok, "application/json");
  JsonLineStream out(x);
  CompatProgress progress(out, CompatProgress::Direction::kPull);
  try {
    std::string id = x.engine().pull(request, progress);
    json inspect = x.engine().inspect_image(id);
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    out.write({{"status", "Digest: " + inspect.value("Digest", "")}});
    out.write({{"status", (id == previous_id ? "Status: Image is up to date for "
                                             : "Status: Downloaded newer image for ") +
                              display_name}});
  } catch (const std::exception& e) {
    spdlog::info("api: pull of {} failed: {}", request.reference, e.what());
    out.write(compat_stream_error(e.what()));
  }
  x.end_stream();
}

// POST /images/{name}/push?tag=: pushes name:tag to the registry its name
// gives, with Docker's progress lines.
void push(Exchange& x) {
  std::string tag = x.query().get("tag").value_or("");
  std::string reference = pull_reference(x.param("name"), tag);
  if (!x.engine().image_exists(reference)) {
    fail(ErrorCode::kNotFound, "An image does not exist locally with the tag: {}", reference);
  }
  engine::PushRequest request;
  request.image = reference;
  request.destination = reference;
  request.access = request_registry_access(x, reference);
  auto parsed = image::parse_reference(reference).ref;

  x.begin_stream(status::ok, "application/json");
  JsonLineStream out(x);
  out.write({{"status", "The push refers to repository [" + parsed.name() + "]"}});
  CompatProgress progress(out, CompatProgress::Direction::kPush);
  try {
    std::string digest = x.engine().push(request, progress);
    std::string shown_tag = parsed.tag.empty() ? "latest" : parsed.tag;
    out.write({{"status", shown_tag + ": digest: " + digest}});
    out.write({{"progressDetail", json::object()},
               {"aux", {{"Tag", shown_tag}, {"Digest", digest}}}});
  } catch (const std::exception& e) {
    spdlog::info("api: push of {} failed: {}", reference, e.what());
    out.write(compat_stream_error(e.what()));
  }
  x.end_stream();
}

void tag(Exchange& x) {
  std::string repo = x.query().get("repo").value_or("");
  if (repo.empty()) fail(ErrorCode::kInvalidArgument, "missing repo: name the new repository");
  std::string tag = x.query().get("tag").value_or("");
  require_compat_image(x, x.param("name"));
  x.engine().tag_image(x.param("name"), {tag.empty() ? repo : repo + ":" + tag});
  reply_created(x);
}

void remove(Exchange& x) {
  require_compat_image(x, x.param("name"));
  auto report = x.engine().remove_image(x.param("name"), x.query().flag("force", false));
  x.reply_json(status::ok, compat_remove_report(report));
}

void history(Exchange& x) {
  require_compat_image(x, x.param("name"));
  x.reply_json(status::ok, history_json(x.engine().image_history(x.param("name")), x.libpod()));
}

void search(Exchange& x) {
  x.reply_json(status::ok, search_json(run_search(x), x.libpod()));
}

// Saves the images to a temporary file first, so that a failure is an
// error status rather than a cut tar.
void save_images(Exchange& x, engine::SaveRequest request) {
  os::Fd file = anonymous_temp_file();
  SilentProgress progress;
  x.engine().save(request, file.get(), progress);
  stream_file(x, file.get(), "application/x-tar");
}

void get_one(Exchange& x) {
  engine::SaveRequest request;
  require_compat_image(x, x.param("name"));
  request.images = {x.param("name")};
  save_images(x, std::move(request));
}

void get_many(Exchange& x) {
  engine::SaveRequest request;
  request.images = x.query().all("names");
  if (request.images.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing names: name at least one image to save");
  }
  for (const auto& name : request.images) require_compat_image(x, name);
  request.multi_image = request.images.size() > 1;
  save_images(x, std::move(request));
}

void load(Exchange& x) {
  os::Fd body = body_file(x);
  SilentProgress progress;
  auto names = x.engine().load("", body.get(), progress);
  std::string lines;
  for (const auto& name : names) {
    std::string text = name.starts_with("sha256:") ? "Loaded image ID: " + name
                                                   : "Loaded image: " + name;
    lines += json_text(json{{"stream", text + "\n"}}) + "\n";
  }
  x.reply_text(status::ok, "application/json", lines);
}

void prune(Exchange& x) {
  auto report = run_prune(x, prune_request(x));
  if (x.libpod()) {
    ordered_json out = ordered_json::array();
    for (const auto& [id, size] : report) {
      out.push_back({{"Id", id}, {"Err", nullptr}, {"Size", size}});
    }
    x.reply_json(status::ok, out);
    return;
  }
  ordered_json deleted = ordered_json::array();
  std::int64_t reclaimed = 0;
  for (const auto& [id, size] : report) {
    deleted.push_back({{"Deleted", "sha256:" + id}});
    reclaimed += size;
  }
  x.reply_json(status::ok, ordered_json{{"ImagesDeleted", deleted}, {"SpaceReclaimed", reclaimed}});
}

// POST /auth: checks the credentials against the registry; nothing is
// stored, as in Docker.
void auth(Exchange& x) {
  json body = x.json_body();
  auto credentials = auth_config_credentials(body);
  if (!credentials) fail(ErrorCode::kInvalidArgument, "missing username: send the credentials");
  std::string server;
  for (const auto& [key, value] : body.items()) {
    if ((key == "serveraddress" || key == "ServerAddress") && value.is_string()) server = value;
  }
  std::string registry = "docker.io";
  if (!server.empty()) registry = config::auth_key_registry(server).value_or(server);
  auto registries = config::RegistriesConfig::load();
  image::RegistryOptions options;
  options.tls_verify = request_tls_verify(x, registry);
  options.registries = &registries;
  options.username = credentials->username;
  options.password = credentials->password;
  with_context(fmt::format("logging into \"{}\"", registry), [&] {
    image::RegistryClient client(registry, options);
    client.verify_credentials();
  });
  x.reply_json(status::ok, json{{"Status", "Login Succeeded"}, {"IdentityToken", ""}});
}

}  // namespace

std::vector<ImageListItem> collect_image_list(engine::Engine& engine) {
  std::map<std::string, std::int64_t> containers;
  for (const auto& c : engine.list_containers(true)) ++containers[c.image_id];
  std::vector<ImageListItem> items;
  for (auto& summary : engine.list_images()) {
    ImageListItem item;
    json inspect = engine.inspect_image(summary.id);
    if (inspect.is_array() && !inspect.empty()) inspect = inspect.front();
    if (inspect.contains("Labels") && inspect["Labels"].is_object()) item.labels = inspect["Labels"];
    if (inspect.contains("RootFS") && inspect["RootFS"].contains("Layers")) {
      item.layers = inspect["RootFS"]["Layers"].get<std::vector<std::string>>();
    }
    item.architecture = inspect.value("Architecture", "");
    item.os = inspect.value("Os", "");
    auto count = containers.find(summary.id);
    item.containers = count == containers.end() ? 0 : count->second;
    item.summary = std::move(summary);
    items.push_back(std::move(item));
  }
  return items;
}

namespace {

// Applies the search `filters` (stars, is-official, is-automated).
void parse_search_filters(const std::string& filters_json, engine::SearchFilter& filter) {
  for (const auto& item : parse_filters(filters_json)) {
    auto equals = item.find('=');
    std::string key = item.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : item.substr(equals + 1);
    auto flag = [&] {
      if (value.empty() || value == "true" || value == "1") return true;
      if (value == "false" || value == "0") return false;
      fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": use true or false", item);
    };
    if (key == "stars") {
      try {
        filter.min_stars = std::stoll(value);
      } catch (const std::exception&) {
        fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": stars takes a number", item);
      }
    } else if (key == "is-official") {
      filter.official = flag();
    } else if (key == "is-automated") {
      filter.automated = flag();
    } else {
      fail(ErrorCode::kInvalidArgument,
           "invalid filter \"{}\": use stars, is-official or is-automated", item);
    }
  }
}

}  // namespace

std::vector<engine::SearchResult> run_search(Exchange& x) {
  engine::SearchRequest request;
  request.term = x.query().get("term").value_or("");
  if (request.term.empty()) fail(ErrorCode::kInvalidArgument, "missing term: name what to search");
  request.limit = static_cast<int>(x.query().integer("limit").value_or(0));
  request.list_tags = x.query().flag("listTags", false);
  request.no_trunc = true;
  parse_search_filters(x.query().get("filters").value_or(""), request.filter);

  // A term "registry/name" searches that registry only.
  std::string registry;
  if (auto slash = request.term.find('/'); slash != std::string::npos) {
    registry = request.term.substr(0, slash);
  }
  request.access.tls_verify = request_tls_verify(x, registry.empty() ? "docker.io" : registry);
  auto credentials = registry_credentials(x.header("X-Registry-Auth"),
                                          x.header("X-Registry-Config"), registry);
  if (credentials) {
    request.access.username = credentials->username;
    request.access.password = credentials->password;
  }
  return x.engine().search(request);
}

engine::ImagePruneRequest prune_request(Exchange& x) {
  engine::ImagePruneRequest request;
  request.all = x.query().flag("all", false);
  for (const auto& item : parse_filters(x.query().get("filters").value_or(""))) {
    if (item.starts_with("dangling=")) {
      std::string value = item.substr(9);
      if (value == "false" || value == "0") {
        request.all = true;
      } else if (value != "true" && value != "1") {
        fail(ErrorCode::kInvalidArgument, "invalid filter \"{}\": use true or false", item);
      }
      continue;
    }
    request.filters.push_back(item);
  }
  return request;
}

std::vector<std::pair<std::string, std::int64_t>> run_prune(
    Exchange& x, const engine::ImagePruneRequest& request) {
  std::map<std::string, std::int64_t> sizes;
  for (const auto& image : x.engine().list_images()) sizes[image.id] = image.size;
  std::vector<std::pair<std::string, std::int64_t>> report;
  for (const auto& id : x.engine().prune_images(request)) report.emplace_back(id, sizes[id]);
  return report;
}

engine::CommitRequest commit_request(Exchange& x) {
  engine::CommitRequest request;
  request.container = x.query().get("container").value_or("");
  if (request.container.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing container: name the container to commit");
  }
  std::string repo = x.query().get("repo").value_or("");
  std::string tag = x.query().get("tag").value_or("");
  request.image = repo.empty() || tag.empty() ? repo : repo + ":" + tag;
  request.message = x.query().get("comment").value_or("");
  request.author = x.query().get("author").value_or("");
  return request;
}

namespace {

// POST /commit?container=&repo=&tag=: 201 with {"Id": "sha256:..."}. Each
// changes value contains Dockerfile instructions, one per line. The
// container is paused while its files are read unless pause=false, as
// Docker does.
void commit(Exchange& x) {
  engine::CommitRequest request = commit_request(x);
  for (const auto& value : x.query().all("changes")) {
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t end = value.find('\n', start);
      if (end == std::string::npos) end = value.size();
      std::string line = value.substr(start, end - start);
      if (!line.empty()) request.changes.push_back(std::move(line));
      start = end + 1;
    }
  }
  // NOTE: the Config body Docker clients may send is ignored; only changes
  // alter the new image's settings.
  request.format = "docker";
  request.pause = x.query().flag("pause", true);
  SilentProgress progress;
  std::string id = x.engine().commit(request, progress);
  x.reply_json(status::created, ordered_json{{"Id", "sha256:" + id}});
}

}  // namespace

void add_image_routes(Router& router) {
  // Literal paths go before the "{name...}" patterns that would match them.
  // List and inspect read only the state database: they are quick routes.
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add_quick(verb::get, p + "/images/json", list);
    router.add_quick(verb::get, p + "/images/{name...}/json", inspect);
    router.add(verb::get, p + "/images/search", search);
    router.add(verb::post, p + "/images/prune", prune);
    router.add(verb::get, p + "/images/{name...}/history", history);
  }
  router.add(verb::post, "/images/create", create);
  router.add(verb::post, "/images/load", load);
  router.add(verb::get, "/images/get", get_many);
  router.add(verb::get, "/images/{name...}/get", get_one);
  router.add(verb::post, "/images/{name...}/push", push);
  router.add(verb::post, "/images/{name...}/tag", tag);
  router.add(verb::post, "/auth", auth);
  router.add(verb::post, "/commit", commit);
  add_libpod_image_routes(router);
  router.add(verb::delete_, "/images/{name...}", remove);
}

}  // namespace berth::api
