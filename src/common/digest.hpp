#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace berth {

// An OCI content digest "algorithm:hex". Only sha256 is produced; sha512 is
// accepted for parsing.
struct Digest {
  std::string algorithm;  // "sha256"
  std::string hex;        // lowercase hex of the hash

  // Parses "sha256:<64 hex>" (or sha512 with 128). Throws
  // Error{kInvalidArgument} naming the value otherwise.
  static Digest parse(std::string_view text);
  static bool is_valid(std::string_view text);

  std::string str() const { return algorithm + ":" + hex; }
  bool operator==(const Digest&) const = default;
};

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Returns the lowercase hex of the hash; the object cannot be updated after.
  std::string hex_final();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Returns "sha256:<hex>" of data.
std::string sha256_digest(std::string_view data);

}  // namespace berth
