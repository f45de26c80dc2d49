// Reading the build routes' query into a BuildRequest.

#include "api/build_query.hpp"

#include <sstream>
#include <vector>

#include "build/step_error.hpp"
#include "common/error.hpp"
#include "image/reference.hpp"

namespace berth::api {

namespace {

using nlohmann::json;

// Parses a JSON parameter. An absent or empty one gives null.
json json_param(const Query& query, const std::string& name) {
  std::string text = query.get(name).value_or("");
  if (text.empty()) return nullptr;
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) {
    fail(ErrorCode::kInvalidArgument, "invalid {} \"{}\": expected JSON", name, text);
  }
  return value;
}

// A JSON object of strings ({"KEY": "VALUE"}), or null.
std::map<std::string, std::string> string_map_param(const Query& query, const std::string& name) {
  json value = json_param(query, name);
  std::map<std::string, std::string> out;
  if (value.is_null()) return out;
  if (!value.is_object()) {
    fail(ErrorCode::kInvalidArgument, "invalid {}: expected a JSON object of strings", name);
  }
  for (const auto& [key, item] : value.items()) {
    if (item.is_null()) continue;  // Docker's CLI sends null for --build-arg KEY without a value
    if (!item.is_string()) {
      fail(ErrorCode::kInvalidArgument, "invalid {}: the value of \"{}\" is not a string", name,
           key);
    }
    out[key] = item.get<std::string>();
  }
  return out;
}

// "KEY=VALUE" strings from a JSON object or from a JSON array of such
// strings (both shapes occur for labels).
std::vector<std::string> key_value_list_param(const Query& query, const std::string& name) {
  json value = json_param(query, name);
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string()) {
        fail(ErrorCode::kInvalidArgument, "invalid {}: expected strings in the JSON array", name);
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  for (const auto& [key, item] : string_map_param(query, name)) out.push_back(key + "=" + item);
  return out;
}

// The dockerfile parameter: one path, or Podman's JSON array of paths.
std::string dockerfile_param(const Query& query) {
  std::string text = query.get("dockerfile").value_or("");
  if (!text.starts_with("[")) return text;
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded() || !value.is_array()) {
    fail(ErrorCode::kInvalidArgument, "invalid dockerfile \"{}\": expected a path or a JSON array",
         text);
  }
  if (value.size() > 1) {
    fail(ErrorCode::kInvalidArgument,
         "invalid dockerfile \"{}\": berth builds from one Containerfile, give one path", text);
  }
  if (value.empty()) return "";
  if (!value[0].is_string()) fail(ErrorCode::kInvalidArgument, "invalid dockerfile \"{}\"", text);
  return value[0].get<std::string>();
}

// Returns the Containerfile's path inside context_dir. Throws when the
// path leaves the context, because the service must not read files that
// the client did not send.
std::string resolve_in_context(const std::string& context_dir, const std::string& path) {
  std::vector<std::string> elements;
  std::istringstream in(path);
  std::string element;
  while (std::getline(in, element, '/')) {
    if (element.empty() || element == ".") continue;
    if (element == "..") {
      if (elements.empty()) {
        fail(ErrorCode::kInvalidArgument,
             "invalid dockerfile \"{}\": the path leaves the build context", path);
      }
      elements.pop_back();
      continue;
    }
    elements.push_back(element);
  }
  if (elements.empty()) {
    fail(ErrorCode::kInvalidArgument, "invalid dockerfile \"{}\": name a file in the context", path);
  }
  std::string out = context_dir;
  for (const auto& part : elements) out += "/" + part;
  return out;
}

// The pull policy from pullpolicy (Podman), else from pull as a boolean
// (Docker, Podman 4) or a policy name.
std::string pull_policy(const Query& query) {
  std::string text = query.get("pullpolicy").value_or("");
  if (text.empty()) {
    text = query.get("pull").value_or("");
    if (text.empty()) return "missing";
    if (text != "always" && text != "missing" && text != "never" && text != "newer" &&
        text != "ifnewer" && text != "ifmissing") {
      return query.flag("pull", false) ? "always" : "missing";
    }
  }
  if (text == "true" || text == "always") return "always";
  if (text == "false" || text == "missing" || text == "ifmissing" || text == "ifnotpresent") {
    return "missing";
  }
  if (text == "never") return "never";
  if (text == "newer" || text == "ifnewer") return "newer";
  fail(ErrorCode::kInvalidArgument, "invalid pull policy \"{}\": use always, missing, never or newer",
       text);
}

// The image format from format (oci, docker) or Podman's outputformat
// (a manifest media type).
std::string image_format(const Query& query, bool libpod) {
  std::string format = query.get("format").value_or("");
  if (format.empty()) {
    std::string media_type = query.get("outputformat").value_or("");
    if (media_type.find("docker") != std::string::npos) format = "docker";
    if (media_type.find("oci") != std::string::npos) format = "oci";
  }
  // Docker builds Docker-format images.
  if (format.empty()) format = libpod ? "oci" : "docker";
  if (format != "oci" && format != "docker") {
    fail(ErrorCode::kInvalidArgument, "invalid format \"{}\": use oci or docker", format);
  }
  return format;
}

// The network for RUN: Docker's networkmode is a mode or a network name,
// Podman 4.3 sends a number (0 the default, 1 none, 2 enabled).
std::string network_param(const Query& query) {
  std::string network = query.get("networkmode").value_or("");
  if (network == "1") return "none";
  // Docker's CLI sends "default" for no --network.
  if (network == "0" || network == "2" || network == "default" || network == "bridge") return "";
  return network;
}

// text with every from replaced by to.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

engine::BuildRequest parse_build_query(const Query& query, bool libpod,
                                       const std::string& context_dir) {
  if (!query.get("remote").value_or("").empty()) {
    fail(ErrorCode::kInvalidArgument,
         "remote build contexts are not supported: send the context as a tar body");
  }
  engine::BuildRequest request;
  request.context_dir = context_dir;
  std::string dockerfile = dockerfile_param(query);
  if (!dockerfile.empty()) request.containerfile = resolve_in_context(context_dir, dockerfile);
  request.tags = query.all("t");
  std::erase(request.tags, "");
  // A bad name fails with 400 before the context is read, as in Docker.
  for (const auto& tag : request.tags) image::parse_reference(tag);
  request.build_args = string_map_param(query, "buildargs");
  request.labels = key_value_list_param(query, "labels");
  request.annotations = key_value_list_param(query, "annotations");
  request.target = query.get("target").value_or("");
  request.no_cache = query.flag("nocache", false);
  request.pull_policy = pull_policy(query);
  request.quiet = query.flag("q", false);
  request.remove = query.flag("rm", true);
  request.force_rm = query.flag("forcerm", false);
  request.layers = query.flag("layers", true);
  request.format = image_format(query, libpod);
  request.platform = query.get("platform").value_or("");
  // Podman 4.3's client sends "/" for no --platform.
  if (request.platform.find_first_not_of('/') == std::string::npos) request.platform = "";
  request.network = network_param(query);
  request.squash = query.flag("squash", false);
  // Podman's tlsVerify; without it registries.conf decides.
  if (query.has("tlsVerify")) request.tls_verify = query.flag("tlsVerify", true);
  return request;
}

nlohmann::ordered_json build_error_line(const std::exception& error,
                                        const std::string& context_dir) {
  std::string message = error.what();
  if (!context_dir.empty()) {
    message = replace_all(message, "\"" + context_dir + "\"", "the build context");
    message = replace_all(message, context_dir + "/", "");
    message = replace_all(message, context_dir, "the build context");
  }
  nlohmann::ordered_json line = {{"errorDetail", {{"message", message}}}, {"error", message}};
  if (const auto* e = dynamic_cast<const Error*>(&error)) {
    line["berth_code"] = std::string(error_code_name(e->code()));
  }
  if (const auto* step = dynamic_cast<const build::RunStepFailed*>(&error)) {
    // Docker's CLI exits with errorDetail's code.
    line["errorDetail"] = {{"code", step->exit_status()}, {"message", message}};
    line["berth_exit_status"] = step->exit_status();
  }
  return line;
}

}  // namespace berth::api
