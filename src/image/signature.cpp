#include "image/signature.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"
#include "image/libgpgme.hpp"
#include "os/file.hpp"

namespace berth::image {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kSignatureType = "atomic container signature";

struct DataDeleter {
  void operator()(gpgme_data* data) const { libgpgme().data_release(data); }
};
using Data = std::unique_ptr<gpgme_data, DataDeleter>;

struct ContextDeleter {
  void operator()(gpgme_context* context) const { libgpgme().release(context); }
};
using Context = std::unique_ptr<gpgme_context, ContextDeleter>;

struct KeyDeleter {
  void operator()(_gpgme_key* key) const { libgpgme().key_unref(key); }
};
using Key = std::unique_ptr<_gpgme_key, KeyDeleter>;

std::string gpgme_message(gpgme_error_t error) { return libgpgme().strerror(error); }

void check(gpgme_error_t error, std::string_view doing) {
  if (error != 0) fail(ErrorCode::kInternal, "{}: {}", doing, gpgme_message(error));
}

Data data_from(std::string_view bytes) {
  gpgme_data_t data = nullptr;
  check(libgpgme().data_new_from_mem(&data, bytes.data(), bytes.size(), 1),
        "creating a GPGME buffer");
  return Data(data);
}

Data empty_data() {
  gpgme_data_t data = nullptr;
  check(libgpgme().data_new(&data), "creating a GPGME buffer");
  return Data(data);
}

// Releases data and returns its bytes.
std::string take_bytes(Data data) {
  std::size_t length = 0;
  char* bytes = libgpgme().data_release_and_get_mem(data.release(), &length);
  if (bytes == nullptr) return "";
  std::string result(bytes, length);
  libgpgme().free(bytes);
  return result;
}

// Returns an OpenPGP context on home ("" for the caller's GnuPG home).
Context new_context(const std::string& home) {
  const auto& api = libgpgme();
  gpgme_ctx_t raw = nullptr;
  check(api.new_context(&raw), "creating a GPGME context");
  Context context(raw);
  check(api.set_protocol(raw, GPGME_PROTOCOL_OpenPGP), "selecting OpenPGP in GPGME");
  if (!home.empty()) {
    check(api.ctx_set_engine_info(raw, GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str()),
          "setting the GnuPG home of GPGME");
  }
  return context;
}

const Json& member(const Json& object, const char* name, std::string_view where) {
  auto it = object.find(name);
  if (it == object.end()) fail(ErrorCode::kInvalidArgument, "{} has no \"{}\"", where, name);
  return *it;
}

void expect_members(const Json& object, std::initializer_list<std::string_view> names,
                    std::string_view where) {
  if (!object.is_object()) fail(ErrorCode::kInvalidArgument, "{} is not a JSON object", where);
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (auto name : names) known = known || key == name;
    if (!known) fail(ErrorCode::kInvalidArgument, "unexpected member \"{}\" in {}", key, where);
  }
  if (object.size() != names.size()) {
    fail(ErrorCode::kInvalidArgument, "{} lacks a required member", where);
  }
}

std::string string_member(const Json& object, const char* name, std::string_view where) {
  const auto& value = member(object, name, where);
  if (!value.is_string()) fail(ErrorCode::kInvalidArgument, "\"{}\" in {} is not a string", name, where);
  return value.get<std::string>();
}

}  // namespace

std::string make_signature_payload(const SignaturePayload& payload) {
  // nlohmann::json sorts keys, which is the order Podman writes.
  Json document;
  document["critical"]["identity"]["docker-reference"] = payload.docker_reference;
  document["critical"]["image"]["docker-manifest-digest"] = payload.manifest_digest;
  document["critical"]["type"] = kSignatureType;
  document["optional"] = Json::object();
  if (!payload.creator.empty()) document["optional"]["creator"] = payload.creator;
  if (payload.timestamp != 0) document["optional"]["timestamp"] = payload.timestamp;
  return document.dump();
}

SignaturePayload parse_signature_payload(std::string_view json) {
  return with_context("invalid signature payload", [&] {
    Json document;
    try {
      document = Json::parse(json);
    } catch (const Json::exception& e) {
      fail(ErrorCode::kInvalidArgument, "{}", e.what());
    }
    expect_members(document, {"critical", "optional"}, "the payload");
    const auto& critical = document["critical"];
    expect_members(critical, {"type", "image", "identity"}, "critical");
    if (string_member(critical, "type", "critical") != kSignatureType) {
      fail(ErrorCode::kInvalidArgument, "critical.type is not \"{}\"", kSignatureType);
    }
    const auto& image = critical["image"];
    expect_members(image, {"docker-manifest-digest"}, "critical.image");
    const auto& identity = critical["identity"];
    expect_members(identity, {"docker-reference"}, "critical.identity");
    SignaturePayload payload;
    payload.manifest_digest = string_member(image, "docker-manifest-digest", "critical.image");
    payload.docker_reference = string_member(identity, "docker-reference", "critical.identity");
    const auto& optional = document["optional"];
    if (!optional.is_object()) fail(ErrorCode::kInvalidArgument, "optional is not a JSON object");
    if (optional.contains("creator")) {
      payload.creator = string_member(optional, "creator", "optional");
    }
    if (optional.contains("timestamp")) {
      const auto& timestamp = optional["timestamp"];
      if (!timestamp.is_number_integer()) {
        fail(ErrorCode::kInvalidArgument, "optional.timestamp is not an integer");
      }
      payload.timestamp = timestamp.get<std::int64_t>();
    }
    return payload;
  });
}

namespace {

// Returns the secret key key_id from the user's keyring. Throws
// Error{kNotFound} when there is none.
Key secret_key(const LibGpgme& api, gpgme_ctx_t context, const std::string& key_id) {
  gpgme_key_t raw_key = nullptr;
  gpgme_error_t error = api.get_key(context, key_id.c_str(), &raw_key, 1);
  if (error != 0 || raw_key == nullptr) {
    fail(ErrorCode::kNotFound,
         "signing key \"{}\" not found in the GnuPG keyring: {}: check `gpg --list-secret-keys`",
         key_id, gpgme_message(error));
  }
  return Key(raw_key);
}

}  // namespace

void check_signing_key(const std::string& key_id) {
  auto context = new_context("");
  secret_key(libgpgme(), context.get(), key_id);
}

std::string gpg_sign(const std::string& payload, const std::string& key_id) {
  const auto& api = libgpgme();
  auto context = new_context("");
  api.set_armor(context.get(), 0);
  Key key = secret_key(api, context.get(), key_id);
  gpgme_error_t error = 0;
  api.signers_clear(context.get());
  check(api.signers_add(context.get(), key.get()), "selecting the signing key");
  auto plain = data_from(payload);
  auto signature = empty_data();
  error = api.op_sign(context.get(), plain.get(), signature.get(), GPGME_SIG_MODE_NORMAL);
  if (error != 0) {
    fail(ErrorCode::kInternal, "signing with key \"{}\" failed: {}", key_id,
         gpgme_message(error));
  }
  gpgme_sign_result_t result = api.op_sign_result(context.get());
  if (result == nullptr || result->invalid_signers != nullptr || result->signatures == nullptr) {
    fail(ErrorCode::kInternal, "signing with key \"{}\" failed: GnuPG made no signature", key_id);
  }
  return take_bytes(std::move(signature));
}

GpgVerifier::GpgVerifier(const std::vector<std::string>& keyrings) {
  const auto& api = libgpgme();
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                        "/berth-gpg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    fail_errno(errno, "creating a temporary GnuPG home in " + pattern);
  }
  home_ = pattern;
  try {
    auto context = new_context(home_);
    for (const auto& keyring : keyrings) {
      auto data = data_from(keyring);
      check(api.op_import(context.get(), data.get()), "importing the policy's public keys");
      gpgme_import_result_t result = api.op_import_result(context.get());
      for (auto* status = result != nullptr ? result->imports : nullptr; status != nullptr;
           status = status->next) {
        if (status->result != 0 || status->fpr == nullptr) continue;
        std::string fpr = status->fpr;
        if (std::find(fingerprints_.begin(), fingerprints_.end(), fpr) == fingerprints_.end()) {
          fingerprints_.push_back(fpr);
        }
      }
    }
    if (fingerprints_.empty()) {
      fail(ErrorCode::kInvalidArgument, "the policy's key files contain no public key");
    }
    context_ = context.release();
  } catch (...) {
    os::remove_all(home_);
    throw;
  }
}

GpgVerifier::~GpgVerifier() {
  if (context_ != nullptr) libgpgme().release(static_cast<gpgme_ctx_t>(context_));
  try {
    os::remove_all(home_);
  } catch (const Error& e) {
    spdlog::debug("removing temporary GnuPG home: {}", e.what());
  }
}

VerifiedSignature GpgVerifier::verify(std::string_view signature) const {
  const auto& api = libgpgme();
  auto* context = static_cast<gpgme_ctx_t>(context_);
  auto blob = data_from(signature);
  auto plain = empty_data();
  gpgme_error_t error = api.op_verify(context, blob.get(), nullptr, plain.get());
  if (error != 0) {
    fail(ErrorCode::kPermissionDenied, "invalid GPG signature: {}", gpgme_message(error));
  }
  gpgme_verify_result_t result = api.op_verify_result(context);
  int count = 0;
  for (auto* s = result != nullptr ? result->signatures : nullptr; s != nullptr; s = s->next) {
    ++count;
  }
  if (count != 1) {
    fail(ErrorCode::kPermissionDenied, "unexpected GPG signature count {}: expected one", count);
  }
  gpgme_signature_t sig = result->signatures;
  std::string signer = sig->fpr != nullptr ? sig->fpr : "";
  if (gpgme_err_code(sig->status) == GPG_ERR_NO_PUBKEY) {
    fail(ErrorCode::kPermissionDenied,
         "invalid GPG signature: signed by key {}, which is not among the policy's keys", signer);
  }
  if (sig->status != 0) {
    fail(ErrorCode::kPermissionDenied, "invalid GPG signature by key {}: {}", signer,
         gpgme_message(sig->status));
  }
  if ((sig->summary & (GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED |
                       GPGME_SIGSUM_SIG_EXPIRED)) != 0) {
    fail(ErrorCode::kPermissionDenied, "GPG signature by key {} is expired or revoked", signer);
  }
  // The signer may be a subkey: look up its primary key.
  gpgme_key_t raw_key = nullptr;
  if (api.get_key(context, signer.c_str(), &raw_key, 0) == 0 && raw_key != nullptr) {
    Key key(raw_key);
    if (key->fpr != nullptr) signer = key->fpr;
  }
  if (std::find(fingerprints_.begin(), fingerprints_.end(), signer) == fingerprints_.end()) {
    fail(ErrorCode::kPermissionDenied, "signature by key {} is not accepted", signer);
  }
  return VerifiedSignature{signer, take_bytes(std::move(plain))};
}

std::vector<std::string> GpgVerifier::key_identities() const {
  const auto& api = libgpgme();
  std::vector<std::string> identities;
  for (const auto& fpr : fingerprints_) {
    gpgme_key_t raw_key = nullptr;
    if (api.get_key(static_cast<gpgme_ctx_t>(context_), fpr.c_str(), &raw_key, 0) != 0 ||
        raw_key == nullptr) {
      continue;
    }
    Key key(raw_key);
    if (key->uids == nullptr) continue;
    const auto* uid = key->uids;
    std::string email = uid->email != nullptr ? uid->email : "";
    identities.push_back(!email.empty() ? email : (uid->uid != nullptr ? uid->uid : fpr));
  }
  return identities;
}

}  // namespace berth::image
