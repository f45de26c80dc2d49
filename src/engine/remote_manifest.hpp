#pragma once

// Remote client: the reader of the progress lines of a manifest push
// (remote_manifest.cpp), apart so that its parsing can be tested.

#include <string>

#include "engine/engine.hpp"

namespace berth::engine::remote {

// Passes one {"stream"} line of a manifest push (with or without its
// newline) to progress: "Copying N of N images in list",
// "Copying image DIGEST (I/N)", "Writing manifest list to image
// destination", and the blob lines of report_progress_line. Lines that a
// ManifestPushProgress prints by itself around those calls ("Storing list
// signatures", ...) and lines it does not know are dropped.
void report_manifest_push_line(std::string text, ManifestPushProgress& progress);

}  // namespace berth::engine::remote
