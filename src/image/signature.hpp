#pragma once

// "Simple signing" container signatures (containers-signature(5)): a JSON
// payload that names an image's manifest digest and its claimed reference,
// wrapped in an OpenPGP signed message made and checked with GPGME.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::image {

// The claims of a signature payload.
struct SignaturePayload {
  std::string docker_reference;  // critical.identity.docker-reference
  std::string manifest_digest;   // critical.image.docker-manifest-digest
  std::string creator;           // optional.creator, "" when absent
  std::int64_t timestamp = 0;    // optional.timestamp (Unix seconds), 0 when absent
};

// Returns the payload JSON for payload, keys in the order Podman writes them.
std::string make_signature_payload(const SignaturePayload& payload);

// Parses a payload with the format's strict rules: an unknown or missing
// member of "critical" or its objects, or a "type" other than "atomic
// container signature", throws Error{kInvalidArgument}. Unknown members of
// "optional" are accepted.
SignaturePayload parse_signature_payload(std::string_view json);

// Signs payload with the secret key key_id (a fingerprint, key ID or user
// ID) from the caller's GnuPG home ($GNUPGHOME or ~/.gnupg) and returns the
// binary OpenPGP signed message. Throws Error{kNotFound} when the key is not
// in the keyring and Error{kInternal} when signing fails.
std::string gpg_sign(const std::string& payload, const std::string& key_id);

// Throws Error{kNotFound} when the user's keyring has no secret key key_id,
// so that a push fails before it uploads anything.
void check_signing_key(const std::string& key_id);

// A signature that passed the cryptographic check.
struct VerifiedSignature {
  std::string key_fingerprint;  // the primary key's fingerprint
  std::string payload;          // the signed JSON, not yet parsed
};

// Checks signatures against a fixed set of public keys. The keys are
// imported into a private temporary GnuPG home, removed with the object,
// so the user's keyring plays no part.
class GpgVerifier {
 public:
  // keyrings: the contents of key files (binary or ASCII-armored). Throws
  // Error{kInvalidArgument} when they hold no public key.
  explicit GpgVerifier(const std::vector<std::string>& keyrings);
  ~GpgVerifier();
  GpgVerifier(const GpgVerifier&) = delete;
  GpgVerifier& operator=(const GpgVerifier&) = delete;

  // Verifies one signature blob and returns its signer and payload. Throws
  // Error{kPermissionDenied} with the reason when the blob is not a signed
  // message, has other than one signature, is signed by a key outside the
  // set, is expired or revoked, or fails the cryptographic check.
  VerifiedSignature verify(std::string_view signature) const;

  // Fingerprints of the imported primary keys.
  const std::vector<std::string>& fingerprints() const { return fingerprints_; }

  // Returns the e-mail address (else the whole user ID) of each imported
  // key's first user ID, for `image trust show`.
  std::vector<std::string> key_identities() const;

 private:
  std::string home_;
  void* context_ = nullptr;  // gpgme_ctx_t
  std::vector<std::string> fingerprints_;
};

}  // namespace berth::image
