#include "common/digest.hpp"

#include <openssl/evp.h>

#include "common/error.hpp"

namespace berth {

namespace {
bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

bool Digest::is_valid(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  auto algorithm = text.substr(0, colon);
  auto hex = text.substr(colon + 1);
  if (algorithm == "sha256") return hex.size() == 64 && is_lower_hex(hex);
  if (algorithm == "sha512") return hex.size() == 128 && is_lower_hex(hex);
  return false;
}

Digest Digest::parse(std::string_view text) {
  if (!is_valid(text)) {
    fail(ErrorCode::kInvalidArgument,
         "invalid digest \"{}\": expected sha256: followed by 64 lowercase hex digits", text);
  }
  auto colon = text.find(':');
  return Digest{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1) {
    fail(ErrorCode::kInternal, "initializing sha256 failed");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->ctx, data, size);
}

std::string Sha256::hex_final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(state_->ctx, out, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xf]);
  }
  return hex;
}

std::string sha256_digest(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return "sha256:" + hash.hex_final();
}

}  // namespace berth
