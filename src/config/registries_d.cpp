#include "config/registries_d.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/error.hpp"
#include "os/file.hpp"

namespace berth::config {

namespace {

constexpr const char* kSystemRegistriesD = "/etc/containers/registries.d";

std::string scalar_or_fail(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) fail(ErrorCode::kInvalidArgument, "\"{}\" is not a string", key);
  return node.as<std::string>();
}

// Reads a section's lookaside keys. The old names sigstore and
// sigstore-staging mean the same; giving both spellings is an error.
LookasideSection parse_section(const YAML::Node& node, const std::string& what) {
  LookasideSection section;
  if (node.IsNull()) return section;
  if (!node.IsMap()) fail(ErrorCode::kInvalidArgument, "{} is not a mapping", what);
  auto read = [&](const char* key, const char* old_key, std::string& out) {
    if (node[key] && node[old_key]) {
      fail(ErrorCode::kInvalidArgument, "{} sets both {} and {}", what, key, old_key);
    }
    if (node[key]) out = scalar_or_fail(node[key], key);
    if (node[old_key]) out = scalar_or_fail(node[old_key], old_key);
  };
  read("lookaside", "sigstore", section.lookaside);
  read("lookaside-staging", "sigstore-staging", section.lookaside_staging);
  return section;
}

}  // namespace

RegistriesD RegistriesD::load(const ConfigEnvironment& env) {
  if (!env.registries_d.empty()) return load_dir(env.registries_d);
  std::string user = env.user_containers_dir();
  if (!user.empty() && os::path_exists(user + "/registries.d")) {
    return load_dir(user + "/registries.d");
  }
  return load_dir(kSystemRegistriesD);
}

RegistriesD RegistriesD::load_dir(const std::string& dir) {
  RegistriesD config;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string path = entry.path().string();
    if (path.ends_with(".yaml") && entry.is_regular_file(ec)) files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) config.add(os::read_file(path), path);
  return config;
}

void RegistriesD::add(std::string_view yaml_text, const std::string& source_name) {
  with_context(fmt::format("invalid registries.d file \"{}\"", source_name), [&] {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
      fail(ErrorCode::kInvalidArgument, "{}", e.what());
    }
    if (root.IsNull()) return;
    if (!root.IsMap()) fail(ErrorCode::kInvalidArgument, "the top level is not a mapping");
    try {
      if (auto node = root["default-docker"]) {
        if (default_docker_) {
          fail(ErrorCode::kInvalidArgument, "default-docker is already defined in another file");
        }
        default_docker_ = parse_section(node, "default-docker");
      }
      if (auto docker = root["docker"]) {
        if (!docker.IsMap()) fail(ErrorCode::kInvalidArgument, "docker is not a mapping");
        for (const auto& entry : docker) {
          std::string scope = scalar_or_fail(entry.first, "docker key");
          if (docker_.contains(scope)) {
            fail(ErrorCode::kInvalidArgument, "docker scope \"{}\" is already defined", scope);
          }
          docker_[scope] = parse_section(entry.second, "docker scope \"" + scope + "\"");
        }
      }
    } catch (const YAML::Exception& e) {
      fail(ErrorCode::kInvalidArgument, "{}", e.what());
    }
  });
}

std::optional<LookasideSection> RegistriesD::find(const std::string& identity) const {
  for (const auto& scope : docker_scopes(identity)) {
    auto found = docker_.find(scope);
    if (found != docker_.end()) return found->second;
  }
  return default_docker_;
}

LookasideUrls lookaside_urls(const RegistriesD& config, const std::string& identity,
                             const ConfigEnvironment& env, unsigned uid) {
  auto section = config.find(identity);
  if (!section) {
    std::string builtin = uid == 0 ? "file:///var/lib/containers/sigstore"
                                   : "file://" + env.home + "/.local/share/containers/sigstore";
    return {builtin, builtin};
  }
  LookasideUrls urls{section->lookaside, section->lookaside_staging};
  if (urls.write.empty()) urls.write = urls.read;
  return urls;
}

std::string signature_url(std::string_view base, std::string_view repository,
                          std::string_view digest, int index) {
  std::string url(base);
  while (url.ends_with('/')) url.pop_back();
  std::string encoded(digest);
  if (auto colon = encoded.find(':'); colon != std::string::npos) encoded[colon] = '=';
  return fmt::format("{}/{}@{}/signature-{}", url, repository, encoded, index);
}

}  // namespace berth::config
