#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/registries.hpp"

namespace berth::image {

// An image reference split into its parts, as Podman and Docker write them:
// "registry/repository[:tag][@digest]".
struct Reference {
  std::string registry;    // "docker.io", "127.0.0.1:5000"; "" while unresolved
  std::string repository;  // "library/busybox"
  std::string tag;         // "latest"; "" when only a digest was given
  std::string digest;      // "sha256:..."; "" when none was given

  // Returns "registry/repository", or the repository alone when the
  // registry is unresolved.
  std::string name() const;
  // Returns name() followed by ":tag", "@digest" or ":tag@digest".
  std::string str() const;
  // Returns the digest when present, else the tag: the manifest to fetch.
  const std::string& tag_or_digest() const { return digest.empty() ? tag : digest; }
};

struct ParsedReference {
  Reference ref;
  bool qualified = false;  // the text named a registry explicitly
};

// Parses an image reference with Podman's rules. The first path component is
// a registry when it contains '.' or ':' or is "localhost". For "docker.io"
// (and "index.docker.io") a single-component repository gets "library/" in
// front. The tag defaults to "latest" when neither tag nor digest is given. An unqualified
// reference keeps registry "" and its repository as written, for short_name_candidates() to
// resolve. Throws Error{kInvalidArgument} naming the text for an uppercase or otherwise invalid
// repository, an invalid tag or an invalid digest.
ParsedReference parse_reference(std::string_view text);

// Returns the fully qualified references to try, in order, for a parsed
// reference. A qualified reference gives itself. A short name with an alias
// in registries.conf gives the alias target, with the tag and digest carried
// over. Any other short name gives one reference per
// unqualified-search-registries entry, with "library/" added for docker.io
// and single-component names. Throws
// Error{kInvalidArgument} when a short name has neither an alias nor any
// search registry.
std::vector<Reference> short_name_candidates(const ParsedReference& parsed,
                                             const config::RegistriesConfig& registries);

}  // namespace berth::image
