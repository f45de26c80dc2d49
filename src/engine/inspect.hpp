#pragma once

#include <nlohmann/json.hpp>

#include "container/context.hpp"
#include "state/database.hpp"

namespace berth::engine {

// Builds `image inspect` JSON with Podman's field names.
nlohmann::json image_inspect_json(const state::ImageRecord& image);

// Builds `container inspect` JSON with Podman's field names. image may be
// null when the image was removed.
nlohmann::json container_inspect_json(container::Context& ctx,
                                      const state::ContainerRecord& record,
                                      const state::ImageRecord* image);

}  // namespace berth::engine
