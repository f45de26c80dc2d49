// Remote client: secret create, ls, inspect, rm and exists through the
// libpod secrets routes.

#include "common/error.hpp"
#include "engine/remote_engine.hpp"
#include "engine/remote_json.hpp"

namespace berth::engine {

using namespace remote;

namespace {

using nlohmann::json;

std::string secret_path(const std::string& name, const std::string& action = "") {
  return libpod("/secrets/" + escape(name) + (action.empty() ? "" : "/" + action));
}

// Reads Podman's SecretInfoReport.
SecretReport secret_from_json(const json& item) {
  SecretReport report;
  report.id = string_or_empty(item, "ID");
  report.created_ns = time_field_ns(item, "CreatedAt");
  report.updated_ns = time_field_ns(item, "UpdatedAt");
  report.data = string_or_empty(item, "SecretData");
  if (!item.contains("Spec") || !item["Spec"].is_object()) return report;
  const auto& spec = item["Spec"];
  report.name = string_or_empty(spec, "Name");
  if (spec.contains("Labels") && spec["Labels"].is_object()) report.labels = spec["Labels"];
  if (spec.contains("Driver") && spec["Driver"].is_object()) {
    const auto& driver = spec["Driver"];
    report.driver = string_or_empty(driver, "Name");
    if (driver.contains("Options") && driver["Options"].is_object()) {
      report.driver_options = driver["Options"];
    }
  }
  return report;
}

}  // namespace

std::string RemoteEngine::secret_create(const SecretCreateRequest& request) {
  std::string target = libpod("/secrets/create?name=" + escape(request.name));
  if (!request.driver.empty()) target += "&driver=" + escape(request.driver);
  if (!request.driver_options.empty()) {
    target += "&driveropts=" + escape(key_values_object(request.driver_options).dump());
  }
  if (!request.labels.empty()) {
    target += "&labels=" + escape(key_values_object(request.labels).dump());
  }
  if (request.replace) target += "&replace=true";
  api::HttpReply reply = client_.send("POST", target, request.data, "application/octet-stream");
  json body = json::parse(reply.body, nullptr, false);
  return string_or_empty(body, "ID");
}

std::vector<SecretReport> RemoteEngine::list_secrets(const std::vector<std::string>& filters) {
  std::string target = libpod("/secrets/json");
  std::string query = filters_query(filters);
  if (!query.empty()) target += "?filters=" + query;
  json reply = client_.send_json("GET", target);
  std::vector<SecretReport> out;
  if (!reply.is_array()) return out;
  for (const auto& item : reply) out.push_back(secret_from_json(item));
  return out;
}

SecretReport RemoteEngine::inspect_secret(const std::string& name_or_id, bool with_data) {
  std::string target = secret_path(name_or_id, "json");
  if (with_data) target += "?showsecret=true";
  return secret_from_json(client_.send_json("GET", target));
}

std::string RemoteEngine::secret_remove(const std::string& name_or_id) {
  // The route replies 204 without the ID that `secret rm` prints.
  std::string id = inspect_secret(name_or_id, false).id;
  client_.send("DELETE", secret_path(id));
  return id;
}

bool RemoteEngine::secret_exists(const std::string& name_or_id) {
  try {
    client_.send("GET", secret_path(name_or_id, "exists"));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return false;
    throw;
  }
  return true;
}

}  // namespace berth::engine
