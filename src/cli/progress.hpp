#pragma once

#include <string>

#include "engine/engine.hpp"

namespace berth::cli {

// Prints pull progress to stderr in Podman's plain-line form; prints
// nothing when quiet.
class StderrPullProgress : public engine::PullProgress {
 public:
  explicit StderrPullProgress(bool quiet) : quiet_(quiet) {}
  void trying(const std::string& reference) override;
  void copying_blob(const std::string& digest, bool already_exists) override;
  void copying_config(const std::string& digest) override;
  void writing_manifest() override;

 private:
  bool quiet_;
  bool signatures_printed_ = false;
};

// Adds the registry flags shared by pull, run and create to app.
void add_registry_flags(CLI::App& app, engine::PullRequest& request, std::string& creds,
                        std::string& tls_verify);

// Applies --creds and --tls-verify values to request.
void apply_registry_flags(engine::PullRequest& request, const std::string& creds,
                          const std::string& tls_verify);

}  // namespace berth::cli
