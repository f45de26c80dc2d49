#pragma once

// Enforcing a signature verification policy (config::Policy) on one image:
// every requirement of the image's scope must accept it.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/policy.hpp"
#include "image/reference.hpp"
#include "image/signature.hpp"

namespace berth::image {

// Checks signature blobs against the keys of a signedBy requirement. A seam
// so that policy evaluation can be tested without GnuPG.
class SignatureChecker {
 public:
  virtual ~SignatureChecker() = default;
  // Returns the signer and payload of blob. Throws Error{kPermissionDenied}
  // with the reason when the signature is not valid for requirement's keys.
  virtual VerifiedSignature verify(const config::PolicyRequirement& requirement,
                                   std::string_view blob) = 0;
};

// The SignatureChecker that uses GPGME, with one GpgVerifier per
// requirement, made on first use from its keyPath/keyPaths files or keyData.
class GpgSignatureChecker : public SignatureChecker {
 public:
  VerifiedSignature verify(const config::PolicyRequirement& requirement,
                           std::string_view blob) override;

 private:
  std::map<const config::PolicyRequirement*, std::unique_ptr<GpgVerifier>> verifiers_;
};

// Returns signature index (1-based) of the image, or nullopt when there is
// no such signature. Called with 1, 2, ... and never again after nullopt.
using SignatureSource = std::function<std::optional<std::string>(int index)>;

// The image a policy decision is about.
struct PolicyTarget {
  Reference ref;                // as pulled: a tag or a digest
  std::string manifest_digest;  // digest of the manifest ref names
  std::string signature_store;  // where signatures are read, for messages
  // How messages name the image's transport: "docker://" for a registry,
  // "containers-storage:" for a local image being pushed.
  std::string transport = "docker://";
};

// Enforces requirements on target and returns when every requirement
// accepts the image. Otherwise throws Error{kPermissionDenied} that starts
// "Source image rejected: " (Podman's words) and names the image and the
// reason. A reject requirement always rejects. A signedBy requirement
// rejects when no signature exists, or when no signature is made by one of
// its keys, names target's manifest digest and matches its signedIdentity.
// A sigstoreSigned requirement rejects because berth cannot verify it.
void enforce_policy(const config::ScopedRequirements& requirements, const PolicyTarget& target,
                    const SignatureSource& source, SignatureChecker& checker);

// Returns whether a signature claiming signed_ref satisfies rule for an
// image pulled as image (both fully qualified).
bool signed_identity_matches(const config::SignedIdentity& rule, const Reference& image,
                             const Reference& signed_ref);

}  // namespace berth::image
