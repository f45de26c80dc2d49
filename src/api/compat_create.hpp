#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace berth::api {

// Turns the body of Docker's POST /containers/create (a container config
// with HostConfig) into the engine's create request. The image is never
// pulled here: Docker clients pull on a 404 and retry. Throws
// Error{kInvalidArgument} naming a field of the wrong type.
engine::CreateRequest compat_create_request(const nlohmann::json& body, const std::string& name);

// Turns the body of Podman's POST /libpod/containers/create (a
// SpecGenerator, snake_case fields) into the engine's create request.
engine::CreateRequest libpod_create_request(const nlohmann::json& body);

}  // namespace berth::api
