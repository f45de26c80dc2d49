#pragma once

// Volumes: the mount flags of run and create.

#include <CLI/CLI.hpp>

#include "engine/volume_requests.hpp"

namespace berth::cli {

// Adds --mount, --tmpfs, --volumes-from, --read-only and --read-only-tmpfs
// to cmd, bound to flags.
void add_mount_flags(CLI::App& cmd, engine::MountFlags& flags);

}  // namespace berth::cli
