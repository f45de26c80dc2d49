#pragma once

// The platform values that `manifest add` and `manifest annotate` record
// for a list entry.

#include "engine/engine.hpp"

namespace berth::engine {

// Checks the platform fields that options sets, before a list changes.
// --arch, --os and --variant take letters, digits, '.', '_' and '-' (such
// as amd64, linux, v8). --os-version is free-form but must not contain
// whitespace, control characters or '/'. No field may be empty. Throws
// Error{kInvalidArgument} naming the flag and the value.
void check_entry_platform(const ManifestEntryOptions& options);

}  // namespace berth::engine
