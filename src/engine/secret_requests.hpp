#pragma once

// Secrets: the requests and reports of the secret commands.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::engine {

struct SecretCreateRequest {
  std::string name;
  std::string data;
  std::string driver = "file";
  std::vector<std::string> driver_options;  // --driver-opts KEY=VALUE
  std::vector<std::string> labels;          // --label KEY[=VALUE]
  bool replace = false;                     // --replace
};

// A secret as `secret inspect` and `secret ls` show it. data is filled only
// when the caller asked for it (--showsecret).
struct SecretReport {
  std::string id;
  std::string name;
  std::string driver;
  nlohmann::json driver_options = nlohmann::json::object();
  nlohmann::json labels = nlohmann::json::object();
  std::int64_t created_ns = 0;
  std::int64_t updated_ns = 0;
  std::string data;
};

}  // namespace berth::engine
