#pragma once

// The shapes of a container summary that both the CLI (`ps`) and the REST
// service return: Podman's status text and its `ps --format json` object.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace berth::engine {

// Podman's STATUS column: "Up 3 minutes (healthy)", "Exited (0) 2 seconds
// ago", "Created", ... now_ns is the current time.
std::string container_status_text(const ContainerSummary& c, std::int64_t now_ns);

// The namespaces `ps --ns` lists: Podman's field name and the name in
// /proc/PID/ns.
inline constexpr std::array<std::pair<const char*, const char*>, 7> kPodmanNamespaces = {{
    {"Cgroup", "cgroup"},
    {"IPC", "ipc"},
    {"MNT", "mnt"},
    {"NET", "net"},
    {"PIDNS", "pid"},
    {"User", "user"},
    {"UTS", "uts"},
}};

// The inode number of /proc/PID/ns/NAME ("net", "pid", ...); "" when the
// process is gone.
std::string namespace_id(std::int64_t pid, const char* name);

// One container as `ps --format json` and GET /libpod/containers/json give
// it, in Podman's field order. size is set for --size; namespaces fills
// the Namespaces object.
nlohmann::ordered_json podman_container_json(const ContainerSummary& c,
                                             const std::optional<ContainerSize>& size,
                                             bool namespaces, std::int64_t now_ns);

// Unix seconds of a time in nanoseconds, Go's zero time for 0, as Podman's
// JSON gives unset times.
std::int64_t unix_seconds_or_zero_time(std::int64_t ns);

}  // namespace berth::engine
