#pragma once

// The builder behind run_build, shared by build_steps.cpp (steps, cache,
// stages) and build_copy.cpp (COPY and ADD). Only those files include it.

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "build/containerfile.hpp"
#include "build/expand.hpp"
#include "build/ignore.hpp"
#include "build/interrupt.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/build_steps.hpp"
#include "engine/local_image.hpp"
#include "engine/scratch_dir.hpp"
#include "image/manifest.hpp"

namespace berth::engine::builder {

namespace fs = std::filesystem;
using nlohmann::json;

// The paths the runtime mounts over in a RUN container; their stubs belong
// to no layer.
inline const std::set<std::string> kRuntimeMountPoints = {
    "dev", "proc", "sys", "etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv"};

// Step images record no transfer progress.
class QuietProgress : public PullProgress {
 public:
  void trying(const std::string&) override {}
  void copying_blob(const std::string&, bool) override {}
  void copying_config(const std::string&) override {}
  void writing_manifest() override {}
};

// The layer a step made: its tar file and digest.
struct StepLayer {
  std::string path;
  LayerTar tar;
};

// The image a stage has built so far.
struct StageImage {
  std::string id;  // "" for scratch before its first step
  json config;     // the whole image config
  std::vector<std::string> diff_ids;
  std::vector<image::Descriptor> blobs;
};

// A container made for one step, removed when the step ends.
class StepContainer {
 public:
  StepContainer(Engine& engine, std::string id) : engine_(engine), id_(std::move(id)) {}
  // Removes the container with its anonymous volumes (those a VOLUME in
  // the image made), which no later step or image uses.
  ~StepContainer() {
    std::vector<std::string> volumes;
    try {
      volumes = engine_.anonymous_volumes(id_);
      engine_.remove(id_, true);
    } catch (const Error& e) {
      spdlog::warn("removing build container {}: {}", id_.substr(0, 12), e.what());
      return;
    }
    for (const auto& volume : volumes) {
      try {
        engine_.volume_remove(volume, true, std::nullopt);
      } catch (const Error& e) {
        spdlog::warn("removing volume {} of build container {}: {}", volume, id_.substr(0, 12),
                     e.what());
      }
    }
  }
  StepContainer(const StepContainer&) = delete;
  StepContainer& operator=(const StepContainer&) = delete;
  const std::string& id() const { return id_; }

 private:
  Engine& engine_;
  std::string id_;
};

// Returns the stage image of a stored image.
StageImage stage_image_of(const state::ImageRecord& record);
// Returns the lowercase hex SHA-256 of the file's contents.
std::string file_sha256(const std::string& path);
// Returns path with "." and ".." resolved and no trailing "/".
std::string clean_path(const std::string& path);

class Builder {
 public:
  Builder(BuildHooks& hooks, const BuildRequest& request,
          const std::function<void(std::string_view)>& output, PullProgress& progress)
      : hooks_(hooks),
        request_(request),
        output_(output),
        progress_(progress),
        scratch_(hooks.ctx.paths().tmp(), "build"),
        stop_(request.stop_fd) {}

  std::string run();

 private:
  struct StageState {
    StageImage image;
    std::map<std::string, std::string> args;  // ARGs declared in the stage
    std::vector<std::string> shell = {"/bin/sh", "-c"};
    bool cmd_set = false;
  };

  void print(std::string_view text) {
    if (!request_.quiet) output_(text);
  }
  // The COMMIT line of the last step, with the stage prefix of a
  // multi-stage build ("[2/2] COMMIT NAME"), as Podman prints it.
  void print_commit() {
    std::string name = request_.tags.empty() ? "" : " " + request_.tags.front();
    print(stage_prefix_ + "COMMIT" + name + "\n");
  }
  build::Lookup lookup_for(const StageState& state) const;
  std::string expand(const StageState& state, const std::string& text) const {
    return build::expand_word(text, lookup_for(state), file_.escape);
  }
  StageImage resolve_base(const build::Stage& stage, std::size_t index);
  // Removes the OnBuild triggers from image's config and returns them parsed.
  std::vector<build::Instruction> onbuild_triggers(StageImage& image,
                                                   const std::string& file_name);
  std::string cache_key(const StageState& state, const build::Instruction& instruction,
                        const std::string& extra) const;
  std::optional<StageImage> cached(const std::string& key);
  void remember(const std::string& key, const std::string& id);
  void run_step(StageState& state, const build::Instruction& instruction, bool last);
  void apply_config(StageState& state, const build::Instruction& instruction, json& config,
                    std::string& created_by);
  std::optional<StepLayer> run_command(StageState& state, const build::Instruction& instruction,
                                       std::string& created_by);
  std::optional<StepLayer> copy_files(StageState& state, const build::Instruction& instruction,
                                      std::string& created_by, std::string& key_extra,
                                      bool dry_run);
  std::string record(StageState& state, json config, const std::string& created_by,
                     const std::optional<StepLayer>& layer, bool last);
  void ensure_directory(const std::string& root, const std::string& dir);
  // Returns the file system the next step changes: a mounted container of
  // the stage's image, or an empty directory for scratch.
  std::string open_stage_root(const StageState& state, std::optional<StepContainer>& container,
                              std::optional<ContainerFileSystem>& files);
  // Returns the layer that creates WORKDIR dir, or nothing when the image has it.
  std::optional<StepLayer> make_workdir(const StageState& state, const std::string& dir);
  std::string context_root();

  BuildHooks& hooks_;
  const BuildRequest& request_;
  const std::function<void(std::string_view)>& output_;
  PullProgress& progress_;
  ScratchDir scratch_;
  build::StopListener stop_;
  build::Containerfile file_;
  std::string context_;
  std::string filtered_context_;  // the context without ignored files, made on first use
  build::IgnoreRules ignore_;
  std::map<std::string, std::string> global_args_;
  std::set<std::string> used_build_args_;
  std::vector<StageImage> stage_results_;
  std::map<std::string, std::size_t> stage_names_;
  std::vector<std::string> intermediates_;
  int scratch_count_ = 0;
  std::string stage_prefix_;  // "[N/M] " in a multi-stage build, else ""
};

}  // namespace berth::engine::builder
