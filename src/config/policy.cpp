#include "config/policy.hpp"

#include <cstdlib>
#include <filesystem>
#include <set>

#include "common/base64.hpp"
#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::config {

namespace {

using Json = nlohmann::json;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// Throws unless object is a JSON object whose keys are all in allowed.
void check_fields(const Json& object, std::initializer_list<std::string_view> allowed,
                  std::string_view what) {
  if (!object.is_object()) fail(ErrorCode::kInvalidArgument, "{} is not a JSON object", what);
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (auto field : allowed) known = known || key == field;
    if (!known) fail(ErrorCode::kInvalidArgument, "unknown field \"{}\" in {}", key, what);
  }
}

std::string string_field(const Json& object, const char* name, std::string_view what) {
  auto it = object.find(name);
  if (it == object.end()) fail(ErrorCode::kInvalidArgument, "{} has no \"{}\"", what, name);
  if (!it->is_string()) fail(ErrorCode::kInvalidArgument, "\"{}\" in {} is not a string", name, what);
  return it->get<std::string>();
}

SignedIdentity parse_identity(const Json& j) {
  using T = SignedIdentity::Type;
  SignedIdentity identity;
  if (!j.is_object()) fail(ErrorCode::kInvalidArgument, "signedIdentity is not a JSON object");
  std::string type = string_field(j, "type", "signedIdentity");
  if (type == "matchExact" || type == "matchRepoDigestOrExact" || type == "matchRepository") {
    check_fields(j, {"type"}, "signedIdentity " + type);
    identity.type = type == "matchExact"         ? T::kMatchExact
                    : type == "matchRepository" ? T::kMatchRepository
                                                : T::kMatchRepoDigestOrExact;
  } else if (type == "exactReference") {
    check_fields(j, {"type", "dockerReference"}, "signedIdentity exactReference");
    identity.type = T::kExactReference;
    identity.docker_reference = string_field(j, "dockerReference", "signedIdentity");
  } else if (type == "exactRepository") {
    check_fields(j, {"type", "dockerRepository"}, "signedIdentity exactRepository");
    identity.type = T::kExactRepository;
    identity.docker_repository = string_field(j, "dockerRepository", "signedIdentity");
  } else if (type == "remapIdentity") {
    check_fields(j, {"type", "prefix", "signedPrefix"}, "signedIdentity remapIdentity");
    identity.type = T::kRemapIdentity;
    identity.prefix = string_field(j, "prefix", "signedIdentity");
    identity.signed_prefix = string_field(j, "signedPrefix", "signedIdentity");
  } else {
    fail(ErrorCode::kInvalidArgument, "unknown signedIdentity type \"{}\"", type);
  }
  return identity;
}

// Reads keyPath, keyPaths and keyData, of which exactly one must be set.
void parse_keys(const Json& j, PolicyRequirement& requirement, std::string_view what) {
  int sources = 0;
  if (j.contains("keyPath")) {
    requirement.key_paths.push_back(string_field(j, "keyPath", what));
    ++sources;
  }
  if (j.contains("keyPaths")) {
    const auto& paths = j["keyPaths"];
    if (!paths.is_array() || paths.empty()) {
      fail(ErrorCode::kInvalidArgument, "\"keyPaths\" in {} is not a non-empty array", what);
    }
    for (const auto& path : paths) {
      if (!path.is_string()) {
        fail(ErrorCode::kInvalidArgument, "\"keyPaths\" in {} has a non-string entry", what);
      }
      requirement.key_paths.push_back(path.get<std::string>());
    }
    ++sources;
  }
  if (j.contains("keyData")) {
    auto decoded = base64_decode(string_field(j, "keyData", what));
    if (!decoded) fail(ErrorCode::kInvalidArgument, "\"keyData\" in {} is not valid base64", what);
    requirement.key_data = *decoded;
    ++sources;
  }
  if (sources != 1) {
    fail(ErrorCode::kInvalidArgument, "{} needs exactly one of keyPath, keyPaths and keyData",
         what);
  }
}

PolicyRequirement parse_requirement(const Json& j) {
  using T = PolicyRequirement::Type;
  PolicyRequirement requirement;
  if (!j.is_object()) fail(ErrorCode::kInvalidArgument, "a policy requirement is not an object");
  std::string type = string_field(j, "type", "a policy requirement");
  if (type == "insecureAcceptAnything" || type == "reject") {
    check_fields(j, {"type"}, "requirement " + type);
    requirement.type = type == "reject" ? T::kReject : T::kInsecureAcceptAnything;
  } else if (type == "signedBy") {
    check_fields(j, {"type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity"},
                 "requirement signedBy");
    requirement.type = T::kSignedBy;
    std::string key_type = string_field(j, "keyType", "requirement signedBy");
    if (key_type != "GPGKeys") {
      fail(ErrorCode::kInvalidArgument,
           "unsupported keyType \"{}\" in requirement signedBy: use GPGKeys", key_type);
    }
    parse_keys(j, requirement, "requirement signedBy");
  } else if (type == "sigstoreSigned") {
    check_fields(j, {"type", "keyPath", "keyData", "fulcio", "rekorPublicKeyPath",
                     "rekorPublicKeyData", "signedIdentity"},
                 "requirement sigstoreSigned");
    requirement.type = T::kSigstoreSigned;
  } else {
    fail(ErrorCode::kInvalidArgument, "unknown policy requirement type \"{}\"", type);
  }
  if (j.contains("signedIdentity")) requirement.signed_identity = parse_identity(j["signedIdentity"]);
  return requirement;
}

PolicyRequirements parse_requirements(const Json& j, std::string_view scope) {
  if (!j.is_array() || j.empty()) {
    fail(ErrorCode::kInvalidArgument, "the requirements of scope \"{}\" are not a non-empty array",
         scope);
  }
  PolicyRequirements requirements;
  for (const auto& entry : j) {
    requirements.push_back(with_context(fmt::format("scope \"{}\"", scope),
                                        [&] { return parse_requirement(entry); }));
  }
  return requirements;
}

// Rejects duplicated keys, which nlohmann::json would silently merge.
bool reject_duplicate_keys(int depth, Json::parse_event_t event, Json& parsed,
                           std::vector<std::set<std::string>>& seen) {
  // An object starts at depth d and its keys are reported at depth d + 1.
  if (event == Json::parse_event_t::object_start) {
    seen.resize(depth + 2);
    seen[depth + 1].clear();
  } else if (event == Json::parse_event_t::key) {
    auto& keys = seen[depth];
    std::string key = parsed.get<std::string>();
    if (!keys.insert(key).second) fail(ErrorCode::kInvalidArgument, "duplicate field \"{}\"", key);
  }
  return true;
}

}  // namespace

ConfigEnvironment ConfigEnvironment::from_process() {
  return ConfigEnvironment{env_or_empty("XDG_CONFIG_HOME"), env_or_empty("HOME"),
                           env_or_empty("BERTH_REGISTRIES_D")};
}

std::string ConfigEnvironment::user_containers_dir() const {
  if (!xdg_config_home.empty()) return xdg_config_home + "/containers";
  if (!home.empty()) return home + "/.config/containers";
  return "";
}

std::string policy_path(const std::string& flag, const ConfigEnvironment& env) {
  if (!flag.empty()) return flag;
  std::string user = env.user_containers_dir();
  if (!user.empty() && os::path_exists(user + "/policy.json")) return user + "/policy.json";
  return kSystemPolicyPath;
}

Policy Policy::load(const std::string& path) {
  auto text = os::read_file_if_exists(path);
  if (!text) fail(ErrorCode::kNotFound, "open {}: no such file or directory", path);
  return parse(*text, path);
}

Policy Policy::parse(std::string_view text, const std::string& path) {
  return with_context(fmt::format("invalid policy in \"{}\"", path), [&] {
    Json document;
    std::vector<std::set<std::string>> seen;
    try {
      document = Json::parse(text, [&](int depth, Json::parse_event_t event, Json& parsed) {
        return reject_duplicate_keys(depth, event, parsed, seen);
      });
    } catch (const Json::exception& e) {
      fail(ErrorCode::kInvalidArgument, "{}", e.what());
    }
    check_fields(document, {"default", "transports"}, "the policy");
    Policy policy;
    if (!document.contains("default")) {
      fail(ErrorCode::kInvalidArgument, "the policy has no \"default\" requirements");
    }
    policy.default_ = parse_requirements(document["default"], "default");
    if (document.contains("transports")) {
      const auto& transports = document["transports"];
      if (!transports.is_object()) {
        fail(ErrorCode::kInvalidArgument, "\"transports\" is not a JSON object");
      }
      for (const auto& [transport, scopes] : transports.items()) {
        if (!scopes.is_object()) {
          fail(ErrorCode::kInvalidArgument, "transport \"{}\" is not a JSON object", transport);
        }
        auto& parsed_scopes = policy.transports_[transport];
        for (const auto& [scope, requirements] : scopes.items()) {
          parsed_scopes[scope] = parse_requirements(requirements, scope);
        }
      }
    }
    return policy;
  });
}

std::vector<std::string> docker_scopes(const std::string& identity) {
  std::vector<std::string> scopes{identity};
  // The repository: strip "@digest" or the ":tag" after the last slash.
  std::string name = identity;
  if (auto at = name.find('@'); at != std::string::npos) {
    name.resize(at);
  } else if (auto colon = name.rfind(':');
             colon != std::string::npos && colon > name.find('/')) {
    name.resize(colon);
  }
  if (name != identity) scopes.push_back(name);
  for (auto slash = name.rfind('/'); slash != std::string::npos; slash = name.rfind('/')) {
    name.resize(slash);
    scopes.push_back(name);
  }
  // name is now "host[:port]". Wildcards match the host's parent domains;
  // policy.json has no syntax for a port in a wildcard scope.
  std::string host = name.substr(0, name.find(':'));
  for (auto dot = host.find('.'); dot != std::string::npos; dot = host.find('.')) {
    host.erase(0, dot + 1);
    scopes.push_back("*." + host);
  }
  return scopes;
}

bool name_has_prefix(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '/';
}

ScopedRequirements Policy::for_docker(const std::string& identity) const {
  auto transport = transports_.find("docker");
  if (transport != transports_.end()) {
    for (const auto& scope : docker_scopes(identity)) {
      auto found = transport->second.find(scope);
      if (found != transport->second.end()) return {scope, &found->second};
    }
  }
  return for_transport("docker");
}

ScopedRequirements Policy::for_transport(const std::string& transport) const {
  auto found = transports_.find(transport);
  if (found != transports_.end()) {
    auto scope = found->second.find("");
    if (scope != found->second.end()) return {"", &scope->second};
  }
  return {"default", &default_};
}

void set_trust_scope(nlohmann::ordered_json& document, const std::string& scope,
                     const std::string& trust_type, const std::vector<std::string>& key_paths) {
  if (scope.empty()) fail(ErrorCode::kInvalidArgument, "the registry scope is empty");
  nlohmann::ordered_json requirements = nlohmann::ordered_json::array();
  if (trust_type == "accept" || trust_type == "reject") {
    if (!key_paths.empty()) {
      fail(ErrorCode::kInvalidArgument, "{} public keys unexpectedly provided for trust type {}",
           key_paths.size(), trust_type);
    }
    std::string type = trust_type == "accept" ? "insecureAcceptAnything" : "reject";
    requirements.push_back({{"type", type}});
  } else if (trust_type == "signedBy") {
    if (key_paths.empty()) {
      fail(ErrorCode::kInvalidArgument,
           "at least one public key must be defined for type 'signedBy': use --pubkeysfile");
    }
    for (const auto& path : key_paths) {
      nlohmann::ordered_json requirement;
      requirement["type"] = "signedBy";
      requirement["keyType"] = "GPGKeys";
      requirement["keyPath"] = path;
      requirements.push_back(requirement);
    }
  } else {
    fail(ErrorCode::kInvalidArgument,
         "invalid trust type \"{}\": use accept, reject or signedBy", trust_type);
  }
  if (!document.is_object()) document = nlohmann::ordered_json::object();
  if (scope == "default") {
    document["default"] = requirements;
    return;
  }
  if (!document.contains("default")) {
    fail(ErrorCode::kInvalidArgument,
         "default trust policy must be set: run `image trust set -t TYPE default` first");
  }
  document["transports"]["docker"][scope] = requirements;
}

}  // namespace berth::config
