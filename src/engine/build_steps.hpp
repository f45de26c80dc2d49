#pragma once

// The image builder of LocalEngine::build: runs a parsed Containerfile step
// by step, each RUN in a container, and records an image per step.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "container/context.hpp"
#include "engine/build_requests.hpp"
#include "engine/engine.hpp"
#include "state/database.hpp"

namespace berth::engine {

// The engine services a build uses: containers, pulls and tags.
struct BuildHooks {
  Engine& engine;  // create, start, remove, pull, tag
  container::Context& ctx;
  // Finds a local image by name or ID (see LocalEngine::find_image).
  std::function<std::optional<state::ImageRecord>(const std::string&)> find_image;
};

// Runs the build and returns the new image's ID (see Engine::build).
std::string run_build(BuildHooks& hooks, const BuildRequest& request,
                      const std::function<void(std::string_view)>& output, PullProgress& progress);

}  // namespace berth::engine
