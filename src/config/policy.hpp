#pragma once

// The signature verification policy, policy.json (containers-policy.json(5)):
// which images a pull accepts, per transport and scope.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::config {

// The environment variables that locate the user's configuration files,
// captured once so that tests can supply their own.
struct ConfigEnvironment {
  std::string xdg_config_home;  // $XDG_CONFIG_HOME
  std::string home;             // $HOME
  // $BERTH_REGISTRIES_D: a registries.d directory that replaces the default
  // ones. Podman has no such setting; skopeo's --registries.d does the same.
  std::string registries_d;

  // Reads the variables above from the process environment.
  static ConfigEnvironment from_process();

  // Returns $XDG_CONFIG_HOME/containers, else $HOME/.config/containers, else
  // "" when neither variable is set.
  std::string user_containers_dir() const;
};

inline constexpr const char* kSystemPolicyPath = "/etc/containers/policy.json";

// Returns the policy file to use, in Podman's order: flag
// (--signature-policy) when not empty, else the user's
// containers/policy.json when it exists, else /etc/containers/policy.json.
std::string policy_path(const std::string& flag, const ConfigEnvironment& env);

// The claim a signature must make about the image's name (signedIdentity).
struct SignedIdentity {
  enum class Type {
    kMatchRepoDigestOrExact,  // the default
    kMatchExact,
    kMatchRepository,
    kExactReference,
    kExactRepository,
    kRemapIdentity,
  };
  Type type = Type::kMatchRepoDigestOrExact;
  std::string docker_reference;   // exactReference
  std::string docker_repository;  // exactRepository
  std::string prefix;             // remapIdentity
  std::string signed_prefix;      // remapIdentity
};

// One policy requirement object. Every requirement of a scope must accept
// the image.
struct PolicyRequirement {
  enum class Type { kInsecureAcceptAnything, kReject, kSignedBy, kSigstoreSigned };
  Type type = Type::kReject;
  // signedBy and sigstoreSigned: key files (keyPath or keyPaths) or the
  // decoded keyData. Exactly one of the two is set.
  std::vector<std::string> key_paths;
  std::string key_data;
  SignedIdentity signed_identity;
};

using PolicyRequirements = std::vector<PolicyRequirement>;

// The requirements that apply to one image and the scope they came from
// ("" for a transport's default, "default" for the global default).
struct ScopedRequirements {
  std::string scope;
  const PolicyRequirements* requirements = nullptr;
};

// A parsed policy.json. Parsing is strict, as in containers/image: an
// unknown or duplicated field, a wrong type or an empty requirement list
// rejects the whole file.
class Policy {
 public:
  // Reads and parses path. Throws Error{kNotFound} with Podman's text
  // ("open PATH: no such file or directory") when it does not exist, and
  // Error{kInvalidArgument} naming the file when it is invalid.
  static Policy load(const std::string& path);
  static Policy parse(std::string_view text, const std::string& path);

  // Returns the requirements of the most specific scope that matches
  // identity ("host[:port]/repository:tag" or "host[:port]/repository@digest").
  // Scopes are tried in docker_scopes() order, then the docker transport's
  // "" scope, then the global default.
  ScopedRequirements for_docker(const std::string& identity) const;

  // Returns the requirements of transport's "" scope, else the default.
  ScopedRequirements for_transport(const std::string& transport) const;

  const PolicyRequirements& default_requirements() const { return default_; }
  // transport -> scope -> requirements, scopes in name order.
  const std::map<std::string, std::map<std::string, PolicyRequirements>>& transports() const {
    return transports_;
  }

 private:
  PolicyRequirements default_;
  std::map<std::string, std::map<std::string, PolicyRequirements>> transports_;
};

// Returns the policy scopes of a docker identity from the most to the least
// specific, without the transport default and the global default (see
// Policy::for_docker). Also the lookup order of registries.d.
std::vector<std::string> docker_scopes(const std::string& identity);

// Returns whether name ("host[:port]/path") lies under prefix
// ("host[:port]" or a namespace or repository of it), on a path boundary.
bool name_has_prefix(std::string_view name, std::string_view prefix);

// Sets the requirements of scope in a policy.json document, as `image trust
// set` does: "default" sets the global default, anything else the docker
// transport's scope. trust_type is "accept", "reject" or "signedBy";
// signedBy takes key_paths (at least one), the others none. Throws
// Error{kInvalidArgument} for an invalid type or key count.
void set_trust_scope(nlohmann::ordered_json& document, const std::string& scope,
                     const std::string& trust_type, const std::vector<std::string>& key_paths);

}  // namespace berth::config
