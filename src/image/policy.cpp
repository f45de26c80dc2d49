#include "image/policy.hpp"

#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"
#include "os/file.hpp"

namespace berth::image {

namespace {

using Requirement = config::PolicyRequirement;
using IdentityType = config::SignedIdentity::Type;

// Parses a reference as containers/image normalizes it: a name without a
// registry is on docker.io.
Reference qualified_reference(const std::string& text) {
  auto parsed = parse_reference(text);
  if (parsed.qualified) return parsed.ref;
  return parse_reference("docker.io/" + text).ref;
}

bool same_reference(const Reference& a, const Reference& b) {
  return a.name() == b.name() && a.tag == b.tag && a.digest == b.digest;
}

// matchRepoDigestOrExact: a tagged image needs exactly its reference, an
// image pulled by digest only its repository.
bool match_repo_digest_or_exact(const Reference& image, const Reference& signed_ref) {
  if (image.tag.empty() && !image.digest.empty()) return image.name() == signed_ref.name();
  return same_reference(image, signed_ref);
}

// Stores the signatures fetched so far, so that several requirements read
// each one once.
class SignatureCache {
 public:
  explicit SignatureCache(const SignatureSource& source) : source_(source) {}

  // Returns signature index (1-based) or nullptr when there is none.
  const std::string* get(int index) {
    while (!exhausted_ && static_cast<int>(blobs_.size()) < index) {
      auto blob = source_(static_cast<int>(blobs_.size()) + 1);
      if (!blob) {
        exhausted_ = true;
        break;
      }
      blobs_.push_back(std::move(*blob));
    }
    return index <= static_cast<int>(blobs_.size()) ? &blobs_[index - 1] : nullptr;
  }

 private:
  const SignatureSource& source_;
  std::vector<std::string> blobs_;
  bool exhausted_ = false;
};

// Checks one verified signature's claims against the target.
void check_claims(const Requirement& requirement, const PolicyTarget& target,
                  const VerifiedSignature& verified) {
  auto payload = parse_signature_payload(verified.payload);
  if (payload.manifest_digest != target.manifest_digest) {
    fail(ErrorCode::kPermissionDenied,
         "signature by key {} is for manifest digest {}, not the image's {}",
         verified.key_fingerprint, payload.manifest_digest, target.manifest_digest);
  }
  Reference signed_ref;
  try {
    signed_ref = qualified_reference(payload.docker_reference);
  } catch (const Error& e) {
    fail(ErrorCode::kPermissionDenied, "signature names an invalid identity \"{}\": {}",
         payload.docker_reference, e.what());
  }
  if (!signed_identity_matches(requirement.signed_identity, target.ref, signed_ref)) {
    fail(ErrorCode::kPermissionDenied, "Signature for identity {} is not accepted",
         payload.docker_reference);
  }
}

void enforce_signed_by(const Requirement& requirement, const PolicyTarget& target,
                       SignatureCache& signatures, SignatureChecker& checker) {
  std::string reasons;
  int index = 1;
  for (const std::string* blob = signatures.get(index); blob != nullptr;
       blob = signatures.get(++index)) {
    try {
      auto verified = checker.verify(requirement, *blob);
      check_claims(requirement, target, verified);
      SPDLOG_DEBUG("signature-{} of {} accepted, key {}", index, target.ref.str(),
                   verified.key_fingerprint);
      return;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kPermissionDenied && e.code() != ErrorCode::kInvalidArgument) {
        throw;
      }
      reasons += fmt::format("{}signature-{}: {}", reasons.empty() ? "" : "; ", index, e.what());
    }
  }
  if (index == 1) {
    fail(ErrorCode::kPermissionDenied,
         "Source image rejected: A signature was required, but no signature exists for {} "
         "(manifest {}) in {}",
         target.ref.str(), target.manifest_digest, target.signature_store);
  }
  fail(ErrorCode::kPermissionDenied, "Source image rejected: no signature of {} was accepted: {}",
       target.ref.str(), reasons);
}

}  // namespace

VerifiedSignature GpgSignatureChecker::verify(const Requirement& requirement,
                                              std::string_view blob) {
  auto& verifier = verifiers_[&requirement];
  if (!verifier) {
    std::vector<std::string> keyrings;
    for (const auto& path : requirement.key_paths) {
      keyrings.push_back(with_context(fmt::format("reading key file \"{}\" of the policy", path),
                                      [&] { return os::read_file(path); }));
    }
    if (!requirement.key_data.empty()) keyrings.push_back(requirement.key_data);
    verifier = std::make_unique<GpgVerifier>(keyrings);
  }
  return verifier->verify(blob);
}

bool signed_identity_matches(const config::SignedIdentity& rule, const Reference& image,
                             const Reference& signed_ref) {
  switch (rule.type) {
    case IdentityType::kMatchRepoDigestOrExact:
      return match_repo_digest_or_exact(image, signed_ref);
    case IdentityType::kMatchExact:
      return same_reference(image, signed_ref);
    case IdentityType::kMatchRepository:
      return image.name() == signed_ref.name();
    case IdentityType::kExactReference:
      return same_reference(qualified_reference(rule.docker_reference), signed_ref);
    case IdentityType::kExactRepository:
      return qualified_reference(rule.docker_repository).name() == signed_ref.name();
    case IdentityType::kRemapIdentity: {
      std::string name = image.name();
      if (!config::name_has_prefix(name, rule.prefix)) {
        return match_repo_digest_or_exact(image, signed_ref);
      }
      Reference remapped = image;
      auto renamed = qualified_reference(rule.signed_prefix + name.substr(rule.prefix.size()));
      remapped.registry = renamed.registry;
      remapped.repository = renamed.repository;
      return match_repo_digest_or_exact(remapped, signed_ref);
    }
  }
  return false;
}

void enforce_policy(const config::ScopedRequirements& requirements, const PolicyTarget& target,
                    const SignatureSource& source, SignatureChecker& checker) {
  SignatureCache signatures(source);
  for (const auto& requirement : *requirements.requirements) {
    switch (requirement.type) {
      case Requirement::Type::kInsecureAcceptAnything:
        break;
      case Requirement::Type::kReject:
        fail(ErrorCode::kPermissionDenied,
             "Source image rejected: Running image {}{} is rejected by policy.",
             target.transport, target.ref.str());
      case Requirement::Type::kSignedBy:
        enforce_signed_by(requirement, target, signatures, checker);
        break;
      case Requirement::Type::kSigstoreSigned:
        // TODO: sigstore signatures (cosign) are not implemented, so a
        // scope that requires them accepts no image.
        fail(ErrorCode::kPermissionDenied,
             "Source image rejected: {} needs a sigstore signature (policy scope \"{}\"), which "
             "berth cannot verify",
             target.ref.str(), requirements.scope);
    }
  }
}

}  // namespace berth::image
