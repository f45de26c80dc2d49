#include "common/ids.hpp"

#include <sys/random.h>

#include <array>
#include <cstdint>

#include "common/error.hpp"

namespace berth {

namespace {
void fill_random(void* buffer, std::size_t size) {
  auto* bytes = static_cast<unsigned char*>(buffer);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = getrandom(bytes + done, size - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "getrandom");
    }
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

std::string random_id() {
  std::array<unsigned char, 32> bytes;
  fill_random(bytes.data(), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(64);
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xf]);
  }
  return id;
}

std::string random_name() {
  static constexpr std::array<const char*, 24> kAdjectives = {
      "admiring", "brave",   "clever",  "dazzling", "eager",    "focused",
      "gallant",  "happy",   "jolly",   "keen",     "loving",   "modest",
      "nifty",    "optimistic", "peaceful", "quirky", "relaxed", "serene",
      "tender",   "upbeat",  "vibrant", "wizardly", "youthful", "zealous"};
  static constexpr std::array<const char*, 24> kSurnames = {
      "babbage", "curie",   "darwin",  "euler",   "feynman",  "gauss",
      "hopper",  "johnson", "kepler",  "lovelace", "meitner", "noether",
      "pascal",  "ritchie", "shannon", "thompson", "turing",  "volta",
      "wozniak", "yalow",   "zuse",    "hamilton", "knuth",   "lamarr"};
  std::uint32_t r[2];
  fill_random(r, sizeof r);
  return std::string(kAdjectives[r[0] % kAdjectives.size()]) + "_" +
         kSurnames[r[1] % kSurnames.size()];
}

bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

std::string short_id(std::string_view id) { return std::string(id.substr(0, 12)); }

}  // namespace berth
