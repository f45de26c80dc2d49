#pragma once

// Secrets: giving a container its secrets at start.

#include "container/config.hpp"
#include "container/context.hpp"
#include "runtime/spec.hpp"
#include "state/database.hpp"

namespace berth::container {

// Writes each mount secret of config with its uid, gid and mode into the
// container's run directory (RUNROOT/containers/ID/secrets, on tmpfs) and
// adds a read-only bind of it to input.mounts. Sets each env secret in
// input.env. Throws Error{kNotFound} when a secret was removed after the
// container was created.
void add_secrets(Context& ctx, const state::ContainerRecord& record, const ContainerConfig& config,
                 runtime::SpecInput& input);

// Removes the secret files that add_secrets wrote; for the cleanup after the
// container stopped.
void remove_secret_files(Context& ctx, const std::string& id);

}  // namespace berth::container
