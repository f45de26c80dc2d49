// Secret routes of both APIs: create, list, inspect, remove and (libpod)
// exists. The libpod create takes the secret's bytes as the request body;
// Docker's takes JSON with the bytes in base64.

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/engine.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

// A secret in Podman's SecretInfoReport shape, with SecretData only when
// the caller asked for it.
ordered_json podman_secret(const engine::SecretReport& s, bool with_data) {
  ordered_json out = {
      {"ID", s.id},
      {"CreatedAt", format_rfc3339_nano(s.created_ns)},
      {"UpdatedAt", format_rfc3339_nano(s.updated_ns)},
      {"Spec",
       {{"Name", s.name},
        {"Driver", {{"Name", s.driver}, {"Options", s.driver_options}}},
        {"Labels", s.labels}}}};
  if (with_data) out["SecretData"] = s.data;
  return out;
}

// A secret in Docker's swarm Secret shape. Docker never returns the data.
ordered_json docker_secret(const engine::SecretReport& s) {
  return {{"ID", s.id},
          {"Version", {{"Index", 1}}},
          {"CreatedAt", format_rfc3339_nano(s.created_ns)},
          {"UpdatedAt", format_rfc3339_nano(s.updated_ns)},
          {"Spec",
           {{"Name", s.name},
            {"Labels", s.labels},
            {"Driver", {{"Name", s.driver}, {"Options", s.driver_options}}}}}};
}

// Returns a JSON object of strings from a query parameter ({"k":"v"}) as
// "KEY=VALUE" items; absent or empty gives none.
std::vector<std::string> query_key_values(Exchange& x, const std::string& name) {
  std::vector<std::string> items;
  auto text = x.query().get(name).value_or("");
  if (text.empty()) return items;
  json object = json::parse(text, nullptr, false);
  if (!object.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} parameter {}: expected a JSON object of strings",
         name, text);
  }
  for (const auto& [key, value] : object.items()) {
    items.push_back(key + "=" + (value.is_string() ? value.get<std::string>() : value.dump()));
  }
  return items;
}

// Returns the KEY=VALUE items of a JSON body member that is an object of
// strings; absent or null gives none.
std::vector<std::string> body_key_values(const json& body, const char* member) {
  std::vector<std::string> items;
  if (!body.contains(member) || body[member].is_null()) return items;
  if (!body[member].is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} in the secret: expected an object of strings",
         member);
  }
  for (const auto& [key, value] : body[member].items()) {
    items.push_back(key + "=" + (value.is_string() ? value.get<std::string>() : value.dump()));
  }
  return items;
}

// POST /libpod/secrets/create?name=N&driver=D&driveropts={}&labels={}&replace=B
// with the secret's bytes as the body.
void libpod_create(Exchange& x) {
  engine::SecretCreateRequest request;
  request.name = x.query().get("name").value_or("");
  if (request.name.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing secret name: pass it as the name query parameter");
  }
  request.data = x.body();
  request.driver = x.query().get("driver").value_or("");
  if (request.driver.empty()) request.driver = "file";
  request.driver_options = query_key_values(x, "driveropts");
  request.labels = query_key_values(x, "labels");
  request.replace = x.query().flag("replace", false);
  std::string id = x.engine().secret_create(request);
  x.reply_json(status::ok, json{{"ID", id}});
}

// POST /secrets/create with {"Name", "Data" (base64), "Labels", "Driver"}.
void compat_create(Exchange& x) {
  json body = x.json_body();
  engine::SecretCreateRequest request;
  request.name = body.value("Name", "");
  if (request.name.empty()) {
    fail(ErrorCode::kInvalidArgument, "missing secret name: set Name in the request body");
  }
  auto data = base64_decode(body.value("Data", ""));
  if (!data) {
    fail(ErrorCode::kInvalidArgument, "invalid Data of secret {}: expected standard base64",
         request.name);
  }
  request.data = *data;
  if (body.contains("Driver") && body["Driver"].is_object()) {
    request.driver = body["Driver"].value("Name", "");
    request.driver_options = body_key_values(body["Driver"], "Options");
  }
  if (request.driver.empty()) request.driver = "file";
  request.labels = body_key_values(body, "Labels");
  std::string id = x.engine().secret_create(request);
  x.reply_json(status::created, json{{"ID", id}});
}

void list(Exchange& x) {
  auto filters = parse_filters(x.query().get("filters").value_or(""));
  ordered_json out = ordered_json::array();
  for (const auto& s : x.engine().list_secrets(filters)) {
    out.push_back(x.libpod() ? podman_secret(s, false) : docker_secret(s));
  }
  x.reply_json(status::ok, out);
}

void inspect(Exchange& x) {
  bool with_data = x.libpod() && x.query().flag("showsecret", false);
  auto secret = x.engine().inspect_secret(x.param("name"), with_data);
  x.reply_json(status::ok, x.libpod() ? podman_secret(secret, with_data) : docker_secret(secret));
}

// DELETE /libpod/secrets/{name} and /secrets/{id}; libpod's all=true
// removes every secret and ignores the name.
void remove(Exchange& x) {
  if (x.libpod() && x.query().flag("all", false)) {
    for (const auto& s : x.engine().list_secrets({})) x.engine().secret_remove(s.id);
  } else {
    x.engine().secret_remove(x.param("name"));
  }
  x.reply_empty(status::no_content);
}

void exists(Exchange& x) {
  if (!x.engine().secret_exists(x.param("name"))) {
    fail(ErrorCode::kNotFound, "no secret with name or id \"{}\": no such secret",
         x.param("name"));
  }
  x.reply_empty(status::no_content);
}

}  // namespace

void add_secret_routes(Router& router) {
  router.add(verb::post, "/libpod/secrets/create", libpod_create);
  router.add_quick(verb::get, "/libpod/secrets/json", list);
  router.add_quick(verb::get, "/libpod/secrets/{name}/json", inspect);
  router.add_quick(verb::get, "/libpod/secrets/{name}/exists", exists);
  router.add(verb::delete_, "/libpod/secrets/{name}", remove);
  router.add(verb::post, "/secrets/create", compat_create);
  router.add_quick(verb::get, "/secrets", list);
  router.add_quick(verb::get, "/secrets/{name}", inspect);
  router.add(verb::delete_, "/secrets/{name}", remove);
}

}  // namespace berth::api
