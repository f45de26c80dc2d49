// Trust: enforcing policy.json on pulls and pushes, signing pushed images
// into the lookaside store of registries.d, and `image trust show/set`.

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/policy.hpp"
#include "config/registries_d.hpp"
#include "engine/local_engine.hpp"
#include "engine/trust_scope.hpp"
#include "image/lookaside.hpp"
#include "image/policy.hpp"
#include "image/signature.hpp"
#include "os/file.hpp"

namespace berth::engine {

namespace {

// The optional.creator of the signatures berth makes.
constexpr const char* kSignatureCreator = "berth 0.1.0";

using Requirement = config::PolicyRequirement;

bool needs_signatures(const config::ScopedRequirements& scoped) {
  return std::any_of(scoped.requirements->begin(), scoped.requirements->end(),
                     [](const Requirement& r) { return r.type == Requirement::Type::kSignedBy; });
}

bool accepts_anything(const config::ScopedRequirements& scoped) {
  return std::all_of(scoped.requirements->begin(), scoped.requirements->end(), [](const auto& r) {
    return r.type == Requirement::Type::kInsecureAcceptAnything;
  });
}

std::string trust_type_name(Requirement::Type type) {
  switch (type) {
    case Requirement::Type::kInsecureAcceptAnything: return "accept";
    case Requirement::Type::kReject: return "reject";
    case Requirement::Type::kSignedBy: return "signed";
    case Requirement::Type::kSigstoreSigned: return "sigstoreSigned";
  }
  return "";
}

// Returns the e-mail addresses of a signedBy requirement's keys, or none
// when its key files cannot be read: `trust show` lists the policy anyway.
std::vector<std::string> key_identities(const Requirement& requirement) {
  if (requirement.type != Requirement::Type::kSignedBy) return {};
  try {
    std::vector<std::string> keyrings;
    for (const auto& path : requirement.key_paths) keyrings.push_back(os::read_file(path));
    if (!requirement.key_data.empty()) keyrings.push_back(requirement.key_data);
    return image::GpgVerifier(keyrings).key_identities();
  } catch (const Error& e) {
    SPDLOG_DEBUG("reading the keys of a signedBy requirement: {}", e.what());
    return {};
  }
}

void add_rows(std::vector<TrustEntry>& rows, const std::string& transport, const std::string& name,
              const config::PolicyRequirements& requirements, const std::string& sigstore) {
  for (const auto& requirement : requirements) {
    TrustEntry entry;
    entry.transport = transport;
    entry.name = name;
    entry.type = trust_type_name(requirement.type);
    entry.gpg_ids = key_identities(requirement);
    entry.sigstore = sigstore;
    rows.push_back(entry);
  }
}

std::string lookaside_of(const config::RegistriesD& registries_d, const std::string& scope) {
  auto section = scope == "default" ? registries_d.default_docker() : registries_d.find(scope);
  return section ? section->lookaside : "";
}

}  // namespace

void LocalEngine::enforce_pull_policy(const image::Reference& ref,
                                      const std::string& manifest_digest,
                                      const std::string& policy_flag) {
  auto env = config::ConfigEnvironment::from_process();
  auto policy = config::Policy::load(config::policy_path(policy_flag, env));
  std::string identity = ref.str();
  auto scoped = policy.for_docker(identity);
  SPDLOG_DEBUG("policy scope \"{}\" applies to {}", scoped.scope, identity);
  image::PolicyTarget target{ref, manifest_digest, "", "docker://"};
  std::unique_ptr<image::LookasideReader> reader;
  if (needs_signatures(scoped)) {
    auto registries_d = config::RegistriesD::load(env);
    auto urls = config::lookaside_urls(registries_d, identity, env, ::geteuid());
    target.signature_store = urls.read.empty() ? "no lookaside store (none in registries.d)"
                                               : urls.read;
    if (!urls.read.empty()) {
      reader = std::make_unique<image::LookasideReader>(urls.read, ref.repository,
                                                        manifest_digest);
    }
  }
  image::SignatureSource source = [&](int index) -> std::optional<std::string> {
    if (!reader) return std::nullopt;
    return reader->read(index);
  };
  image::GpgSignatureChecker checker;
  image::enforce_policy(scoped, target, source, checker);
}

void LocalEngine::check_push_trust(const PushRequest& request, const image::Reference& dest) {
  auto env = config::ConfigEnvironment::from_process();
  auto policy = config::Policy::load(config::policy_path(request.signature_policy, env));
  // The source of a push is the local store: Podman checks the policy of
  // its containers-storage transport, for which berth keeps no signatures.
  auto scoped = policy.for_transport("containers-storage");
  if (!accepts_anything(scoped)) {
    image::Reference local;
    try {
      local = image::parse_reference(request.image).ref;
    } catch (const Error&) {
      local.repository = request.image;
    }
    image::PolicyTarget target{local, "", "the local store", "containers-storage:"};
    image::GpgSignatureChecker checker;
    image::enforce_policy(scoped, target, [](int) { return std::optional<std::string>(); },
                          checker);
  }
  if (request.sign_by.empty()) return;
  // Fail before uploading anything when the signature could not be stored.
  auto registries_d = config::RegistriesD::load(env);
  auto urls = config::lookaside_urls(registries_d, dest.str(), env, ::geteuid());
  if (!urls.write.starts_with("file://")) {
    fail(ErrorCode::kInvalidArgument,
         "cannot store signatures for {}: registries.d gives {} to write them to: set a "
         "file:// lookaside-staging",
         dest.str(), urls.write.empty() ? "no lookaside store" : "\"" + urls.write + "\"");
  }
  // And before uploading anything when there is no key to sign with.
  image::check_signing_key(request.sign_by);
}

void LocalEngine::sign_pushed_image(const PushRequest& request, const image::Reference& dest,
                                    const std::string& manifest_digest, PullProgress& progress) {
  if (request.sign_by.empty()) return;
  with_context(fmt::format("signing image \"{}\"", dest.str()), [&] {
    progress.signing_manifest();
    image::SignaturePayload payload{dest.str(), manifest_digest, kSignatureCreator,
                                    static_cast<std::int64_t>(std::time(nullptr))};
    std::string signature = image::gpg_sign(image::make_signature_payload(payload), request.sign_by);
    auto env = config::ConfigEnvironment::from_process();
    auto registries_d = config::RegistriesD::load(env);
    auto urls = config::lookaside_urls(registries_d, dest.str(), env, ::geteuid());
    progress.storing_signatures();
    image::write_lookaside_signatures(urls.write, dest.repository, manifest_digest, {signature});
  });
}

std::string LocalEngine::trust_policy_path(const std::string& policy_path) {
  return config::policy_path(policy_path, config::ConfigEnvironment::from_process());
}

std::string LocalEngine::trust_policy_text(const std::string& policy_path) {
  std::string path = trust_policy_path(policy_path);
  config::Policy::load(path);
  return os::read_file(path);
}

std::vector<TrustEntry> LocalEngine::show_trust(const std::string& policy_path) {
  auto env = config::ConfigEnvironment::from_process();
  auto policy = config::Policy::load(trust_policy_path(policy_path));
  auto registries_d = config::RegistriesD::load(env);
  std::vector<TrustEntry> rows;
  add_rows(rows, "all", "default", policy.default_requirements(),
           lookaside_of(registries_d, "default"));
  for (const auto& [transport, scopes] : policy.transports()) {
    for (const auto& [scope, requirements] : scopes) {
      if (transport == "docker") {
        add_rows(rows, "repository", scope, requirements,
                 lookaside_of(registries_d, scope.empty() ? "default" : scope));
      } else {
        add_rows(rows, transport, scope, requirements, "");
      }
    }
  }
  return rows;
}

void LocalEngine::set_trust(const TrustSetRequest& request) {
  check_trust_scope(request.scope);
  std::string path = trust_policy_path(request.policy_path);
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
  if (auto text = os::read_file_if_exists(path)) {
    config::Policy::parse(*text, path);
    document = nlohmann::ordered_json::parse(*text);
  }
  std::vector<std::string> keys;
  for (const auto& file : request.pubkeys_files) {
    if (!os::path_exists(file)) {
      fail(ErrorCode::kNotFound, "public key file \"{}\" given with --pubkeysfile not found", file);
    }
    keys.push_back(std::filesystem::absolute(file).lexically_normal().string());
  }
  config::set_trust_scope(document, request.scope, request.type, keys);
  auto parent = std::filesystem::path(path).parent_path().string();
  if (!parent.empty()) os::make_dirs(parent);
  os::write_file_atomic(path, document.dump(4), 0644);
}

}  // namespace berth::engine
