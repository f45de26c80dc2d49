#pragma once

// Validation of the security, resource, /etc, label and environment flags
// of `run` and `create` (HostFlags), with Podman's forms and errors. Every
// function throws Error{kInvalidArgument} naming the bad value, so the CLI
// exits 125 and nothing is stored.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "container/config.hpp"
#include "engine/engine.hpp"

namespace berth::engine {

// Parses a size as Podman does: a decimal number with an optional b, k, m,
// g, t or p suffix (binary units, case-insensitive, an optional trailing
// "b" or "ib"), such as "64m", "1.5g", "512k" or "1024". flag names the
// option in the error.
std::int64_t parse_size(std::string_view flag, std::string_view text);

// Parses NAME=SOFT[:HARD] ("nofile=1024:2048"); SOFT alone sets both, and
// "unlimited" or -1 is RLIM_INFINITY.
container::Ulimit parse_ulimit(std::string_view text);

// Parses HOST[:CONTAINER][:PERMISSIONS]; the host path must exist.
container::DeviceMapping parse_device(std::string_view text);

// Checks that NAME=VALUE names a sysctl of the container's own namespaces
// (IPC, network unless network_mode is host, UTS), as Podman allows.
void check_sysctl(std::string_view text, const std::string& network_mode);

// Reads the security, resource, /etc and file flags of request.host and
// request.security_opts into config.host_config and config.seccomp.
// config.network_mode must be set already.
void apply_host_flags(const CreateRequest& request, container::ContainerConfig& config);

// Adds --label-file, then --label entries to config.labels (over the
// image's labels), and --annotation entries to config.annotations.
void apply_label_flags(const HostFlags& flags, container::ContainerConfig& config);

// Applies --unsetenv-all and --env-host to env, which contains the image's
// and the default variables. --env-file and --env are applied after this.
void apply_env_defaults(const HostFlags& flags, std::vector<std::string>& env);

// Applies --env-merge (expanding ${NAME} from env) and then --unsetenv.
void apply_env_overrides(const HostFlags& flags, std::vector<std::string>& env);

}  // namespace berth::engine
