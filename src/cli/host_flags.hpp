#pragma once

// The security, resource, /etc, label, environment and file flags that
// run and create share (host_flags.cpp).

#include <string>

#include <CLI/CLI.hpp>

#include "engine/engine.hpp"

namespace berth::cli {

// Adds --cap-add, --memory, --ulimit, --dns, --label, --cidfile, --replace
// and the rest of HostFlags to cmd.
void add_host_flags(CLI::App& cmd, engine::HostFlags& flags);

// Runs before a create: rejects an existing --cidfile, as Podman does, and
// with --replace removes the container that has the requested --name.
void prepare_create(engine::Engine& engine, const engine::CreateRequest& request);

// Runs after a create: writes the container's ID to --cidfile.
void finish_create(const engine::CreateRequest& request, const std::string& id);

}  // namespace berth::cli
