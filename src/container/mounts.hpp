#pragma once

// Volumes: turning a container's mounts (binds, named and anonymous
// volumes, tmpfs, image mounts) into OCI mounts at each start.

#include <cstdint>
#include <string>
#include <vector>

#include "container/config.hpp"
#include "container/context.hpp"
#include "container/copy_path.hpp"
#include "runtime/spec.hpp"
#include "state/database.hpp"

namespace berth::container {

// Prepares the host side of config's mounts and returns them as OCI mounts,
// parents before the mounts below them. The root file system must be
// mounted. uid and gid are the container process's. The host side is:
// checking that bind sources exist, chowning sources with U, copying the
// image's content into a new named volume (copy-up) and chowning it,
// making fresh upper directories for O, and finding an image's layers.
// Throws Error{kNotFound} for a missing bind source, volume or image.
std::vector<runtime::Mount> prepare_mounts(Context& ctx, const state::ContainerRecord& record,
                                           const ContainerConfig& config, std::uint32_t uid,
                                           std::uint32_t gid);

// Returns config's mounts in the form cp resolves paths against. Bind
// mounts (without O) and named volumes of the local driver get their host
// source. With running, tmpfs, image, O and device or tmpfs volumes are
// returned with an empty source, because only the container's mount
// namespace contains their files. Without running they are left out, so
// paths below them map to the root file system.
std::vector<CopyMount> copy_mounts(Context& ctx, const ContainerConfig& config, bool running);

// Orders mounts so that each parent comes before the mounts inside it
// (fewer path components first), keeping the order of equal depths.
void sort_mounts(std::vector<runtime::Mount>& mounts);

// Returns the IDs of the containers whose mounts include volume name, except
// the container with ID except.
std::vector<std::string> containers_using_volume(Context& ctx, const std::string& name,
                                                 const std::string& except = "");

// Removes the anonymous volumes of config that no other container uses
// (run --rm). Failures are logged, not thrown.
void remove_anonymous_volumes(Context& ctx, const std::string& container_id,
                              const ContainerConfig& config);

}  // namespace berth::container
