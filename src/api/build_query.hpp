#pragma once

// The query of the build routes: Docker's POST /build and Podman's POST
// /libpod/build, read into the engine's BuildRequest.

#include <string>

#include <nlohmann/json.hpp>

#include "api/query.hpp"
#include "engine/build_requests.hpp"

namespace berth::api {

// Reads t (repeated), dockerfile, buildargs, labels, annotations, target,
// nocache, pull, pullpolicy, q, rm, forcerm, layers, format, outputformat,
// networkmode, platform and squash. context_dir becomes the request's
// context, and dockerfile is resolved inside it. Unknown parameters are
// ignored, as Docker clients send many that berth has no use for. Throws
// Error{kInvalidArgument} naming the parameter for a malformed value, a
// dockerfile path that leaves the context, or a remote context (remote).
engine::BuildRequest parse_build_query(const Query& query, bool libpod,
                                       const std::string& context_dir);

// The stream line of a failure: {"errorDetail": {"message"}, "error"},
// the shape Docker and Podman send. "berth_code" and, for a failed RUN,
// "berth_exit_status" let berth's remote client rebuild the same error.
// Paths under context_dir, the service's scratch copy of the context,
// read as paths in the context: the client never saw that directory.
nlohmann::ordered_json build_error_line(const std::exception& error,
                                        const std::string& context_dir = "");

}  // namespace berth::api
