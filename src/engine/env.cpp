#include "engine/env.hpp"

#include <cstdlib>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::engine {

// Sets KEY=VALUE in env, replacing an earlier value of KEY.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  auto key = entry.substr(0, entry.find('='));
  for (auto& existing : env) {
    if (existing.substr(0, existing.find('=')) == key) {
      existing = entry;
      return;
    }
  }
  env.push_back(entry);
}

// Applies one -e value: KEY=VALUE, or KEY alone to copy the caller's value
// (skipped when the caller has none), as Podman does.
void apply_env_value(std::vector<std::string>& env, const std::string& value) {
  if (value.empty() || value.front() == '=') {
    fail(ErrorCode::kInvalidArgument, "invalid environment variable \"{}\": expected KEY=VALUE",
         value);
  }
  if (value.find('=') != std::string::npos) {
    set_env(env, value);
    return;
  }
  if (const char* host = std::getenv(value.c_str())) set_env(env, value + "=" + host);
}

void apply_env_file(std::vector<std::string>& env, const std::string& path) {
  auto text = os::read_file_if_exists(path);
  if (!text) fail(ErrorCode::kNotFound, "env file \"{}\" not found", path);
  std::size_t start = 0;
  while (start < text->size()) {
    auto end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line.front() == '#') continue;
    apply_env_value(env, line);
  }
}

}  // namespace berth::engine
