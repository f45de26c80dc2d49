#pragma once

// The lookaside signature store: signature blobs kept apart from the
// registry, at BASE/REPOSITORY@sha256=HEX/signature-N (see
// config::signature_url), read over file://, http:// or https:// and
// written over file://.

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace berth::image {

class HttpSession;

// Reads the signatures of one image from a lookaside store, one at a time.
class LookasideReader {
 public:
  // base: the store's URL; repository: the image's repository path without
  // the registry; digest: its manifest digest.
  LookasideReader(std::string base, std::string repository, std::string digest);
  ~LookasideReader();

  // Returns signature index (1-based), or nullopt when the store has no such
  // signature (a missing file, HTTP 404). Throws Error{kUnavailable} when a
  // server fails or cannot be reached, and Error{kInvalidArgument} for a
  // URL scheme other than file, http and https.
  std::optional<std::string> read(int index);

 private:
  std::string base_;
  std::string repository_;
  std::string digest_;
  std::unique_ptr<HttpSession> http_;
};

// Replaces the signatures of one image in a file:// lookaside store:
// signature-1 .. signature-N get signatures (each written to a temporary
// name and renamed), and any signature-(N+1) and later are removed, as
// containers/image does. Throws Error{kInvalidArgument} for a URL that is
// not file://.
void write_lookaside_signatures(const std::string& base, const std::string& repository,
                                const std::string& digest,
                                const std::vector<std::string>& signatures);

}  // namespace berth::image
