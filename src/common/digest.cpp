#include "common/digest.hpp"

#include <dlfcn.h>
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

namespace {

// libcrypto is opened on the first hash rather than linked: most berth
// commands hash nothing, and loading it with its thousands of symbol
// relocations took about a third of every berth start. OpenSSL's SHA-256
// is kept for its speed on large layers.
struct Crypto {
  decltype(&EVP_MD_CTX_new) ctx_new = nullptr;
  decltype(&EVP_MD_CTX_free) ctx_free = nullptr;
  decltype(&EVP_sha256) sha256 = nullptr;
  decltype(&EVP_DigestInit_ex) init = nullptr;
  decltype(&EVP_DigestUpdate) update = nullptr;
  decltype(&EVP_DigestFinal_ex) final = nullptr;
};

template <typename Function>
void resolve(void* handle, const char* name, Function& function) {
  function = reinterpret_cast<Function>(::dlsym(handle, name));
  if (function == nullptr) {
    fail(ErrorCode::kNotFound, "libcrypto.so.3 lacks {}: reinstall the libssl3 package", name);
  }
}

const Crypto& crypto() {
  static const Crypto loaded = [] {
    void* handle = ::dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      fail(ErrorCode::kNotFound, "loading libcrypto.so.3: {}: install the libssl3 package",
           ::dlerror());
    }
    Crypto c;
    resolve(handle, "EVP_MD_CTX_new", c.ctx_new);
    resolve(handle, "EVP_MD_CTX_free", c.ctx_free);
    resolve(handle, "EVP_sha256", c.sha256);
    resolve(handle, "EVP_DigestInit_ex", c.init);
    resolve(handle, "EVP_DigestUpdate", c.update);
    resolve(handle, "EVP_DigestFinal_ex", c.final);
    return c;
  }();
  return loaded;
}

}  // namespace

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  const auto& c = crypto();
  state_->ctx = c.ctx_new();
  if (state_->ctx == nullptr || c.init(state_->ctx, c.sha256(), nullptr) != 1) {
    fail(ErrorCode::kInternal, "initializing sha256 failed");
  }
}

Sha256::~Sha256() { crypto().ctx_free(state_->ctx); }

void Sha256::update(const void* data, std::size_t size) {
  crypto().update(state_->ctx, data, size);
}

std::string Sha256::hex_final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  crypto().final(state_->ctx, out, &len);
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
