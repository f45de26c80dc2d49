#pragma once

// Turning a requested image name into the places to pull it from, as
// registries.conf describes: short-name aliases and search registries with
// the short-name mode, blocked prefixes, location rewrites and mirrors.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/registries.hpp"
#include "engine/engine.hpp"
#include "image/reference.hpp"
#include "image/registry_client.hpp"

namespace berth::engine {

// The fully qualified names a pull request may mean, in the order to try.
struct ResolvedName {
  std::vector<image::Reference> candidates;
  // A line for the user about the resolution, such as
  // `Resolved "app" as an alias (/etc/containers/registries.conf)`. It is
  // empty for a qualified name.
  std::string description;
  // Set when the user chose the candidate at the short-name prompt: the
  // alias to record in the short-name alias cache once the pull succeeds,
  // from the short name without tag or digest to the candidate's
  // registry/repository.
  std::optional<std::pair<std::string, std::string>> chosen_alias;
};

// Asks the user to pick one of several candidates for a short name and
// returns its index, or nullopt when there is no terminal to ask on.
using ShortNameChooser = std::function<std::optional<std::size_t>(
    const std::string& short_name, const std::vector<std::string>& candidates)>;

// Resolves a parsed reference. A qualified name gives itself. A short name
// with an alias gives the alias target with the requested tag or digest.
// Any other short name gives one candidate per unqualified-search registry;
// when there are several, short-name-mode decides. disabled tries them all
// in order. permissive and enforcing call choose (which may be empty) and
// use the chosen one, setting chosen_alias. Without a choice, permissive
// tries them all and enforcing throws Error{kInvalidArgument}. Also throws
// kInvalidArgument for a short name without alias and search registries.
// An Error that choose throws (the user aborted the prompt) passes through.
ResolvedName resolve_pull_name(const image::ParsedReference& parsed,
                               const config::RegistriesConfig& registries,
                               const ShortNameChooser& choose);

// Records resolved.chosen_alias, when set, in the alias cache of
// registries (RegistriesConfig::alias_cache_path), so that the next pull of
// the short name resolves without a prompt. The image is already stored
// when this runs, so a failure to write the cache is logged as a warning
// and not thrown.
void record_chosen_alias(const ResolvedName& resolved,
                         const config::RegistriesConfig& registries);

// Throws Error{kPermissionDenied} naming the prefix when the [[registry]]
// entry matching ref is blocked.
void check_not_blocked(const image::Reference& ref, const config::RegistriesConfig& registries);

// One place to pull an image from.
struct PullEndpoint {
  image::Reference ref;  // the reference at this endpoint
  bool insecure = false;  // registries.conf allows plain HTTP and unverified TLS
  bool mirror = false;
};

// Returns the endpoints to try for ref, in order: the mirrors that apply,
// then the primary location (ref itself unless registries.conf maps its
// prefix elsewhere). Throws Error{kPermissionDenied} when ref is blocked and
// Error{kInvalidArgument} when a location gives an invalid reference.
std::vector<PullEndpoint> pull_endpoints(const image::Reference& ref,
                                         const config::RegistriesConfig& registries);

// Calls pull_from for each endpoint in order and returns the result of the
// first that succeeds. A mirror's failure moves on to the next endpoint; the
// primary location's failure is thrown with its code, naming the mirrors'
// failures too.
std::string pull_from_endpoints(const std::vector<PullEndpoint>& endpoints,
                                const std::function<std::string(const PullEndpoint&)>& pull_from);

// Returns the client options for an endpoint: the endpoint's insecure flag
// decides TLS verification unless access.tls_verify is set, and credentials
// are looked up for the endpoint's own registry and repository.
image::RegistryOptions endpoint_options(const RegistryAccess& access,
                                        const PullEndpoint& endpoint,
                                        const config::RegistriesConfig& registries);

}  // namespace berth::engine
