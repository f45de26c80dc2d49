#pragma once

// registries.d (containers-registries.d(5)): YAML files that name where the
// signatures of each registry, namespace or repository are stored (the
// "lookaside" store).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/policy.hpp"

namespace berth::config {

// One configuration section: a default-docker section or a docker: entry.
struct LookasideSection {
  std::string lookaside;          // lookaside, or its old name sigstore; URL to read from
  std::string lookaside_staging;  // lookaside-staging or sigstore-staging; URL to write to
};

// The merged content of every *.yaml file of one registries.d directory.
class RegistriesD {
 public:
  // Loads the directory that env selects: $BERTH_REGISTRIES_D when set, else
  // the user's containers/registries.d when it exists, else
  // /etc/containers/registries.d. A missing directory gives an empty
  // configuration. Throws Error{kInvalidArgument} naming the file for
  // invalid YAML and for a section defined twice.
  static RegistriesD load(const ConfigEnvironment& env);
  static RegistriesD load_dir(const std::string& dir);

  // Adds one file's text; source_name appears in error messages. A
  // default-docker section or docker: key that an earlier file defined
  // throws Error{kInvalidArgument}, as containers/image forbids splitting
  // a scope's configuration across files.
  void add(std::string_view yaml_text, const std::string& source_name);

  // Returns the section of the most specific docker: scope that matches
  // identity ("host[:port]/repository:tag", see docker_scopes), else the
  // default-docker section, else nullopt.
  std::optional<LookasideSection> find(const std::string& identity) const;

  const std::optional<LookasideSection>& default_docker() const { return default_docker_; }

 private:
  std::optional<LookasideSection> default_docker_;
  std::map<std::string, LookasideSection> docker_;
};

// The lookaside URLs for one image: where to read signatures and where to
// write them ("" when none is configured).
struct LookasideUrls {
  std::string read;
  std::string write;
};

// Returns the lookaside URLs for identity: the matching section's
// lookaside and lookaside-staging (falling back to lookaside), or, when no
// section matches, containers/image's built-in store
// file:///var/lib/containers/sigstore (for root; uid != 0 gets
// file://$HOME/.local/share/containers/sigstore).
LookasideUrls lookaside_urls(const RegistriesD& config, const std::string& identity,
                             const ConfigEnvironment& env, unsigned uid);

// Returns the URL of signature number index (1-based) of the image whose
// repository path (without the registry) is repository and whose manifest
// digest is digest ("sha256:HEX"): BASE/REPOSITORY@sha256=HEX/signature-N.
std::string signature_url(std::string_view base, std::string_view repository,
                          std::string_view digest, int index);

}  // namespace berth::config
