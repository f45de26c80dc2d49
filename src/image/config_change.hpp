#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace berth::image {

// Applies one `--change` instruction of `commit` and `import` to the
// "config" object of an image config (the part with Env, Cmd, Entrypoint
// and so on). An instruction is written as in a Dockerfile, "CMD ls -l", or
// with "=" after the instruction word, "CMD=ls -l"; the word is case
// insensitive. Supported, with Dockerfile semantics:
//
//   CMD, ENTRYPOINT  JSON string array (exec form), or a string run with
//                    ["/bin/sh", "-c", ...] (shell form)
//   ENV, LABEL       KEY=VALUE pairs (quotes and backslashes as in a
//                    Dockerfile), or "KEY VALUE" for a single pair
//   EXPOSE           ports "N", "N/tcp", "N/udp", "N/sctp" or ranges "N-M"
//   ONBUILD          a Dockerfile instruction, stored in OnBuild
//   STOPSIGNAL       a signal name or number, stored as given
//   USER             user[:group]
//   VOLUME           JSON string array, or paths separated by spaces
//   WORKDIR          an absolute path, or one relative to the current
//                    WorkingDir ("/" when unset)
//
// NOTE: variables such as $PATH in values are kept as written; Docker
// would expand them.
//
// Throws Error{kInvalidArgument} naming the change for an unknown
// instruction (listing the supported ones), a missing value or an invalid
// one. config is left unchanged then.
void apply_config_change(nlohmann::json& config, std::string_view change);

// Applies each change in order (see apply_config_change). Either every
// change is applied or, after an error, none is.
void apply_config_changes(nlohmann::json& config, const std::vector<std::string>& changes);

}  // namespace berth::image
