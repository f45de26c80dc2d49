#pragma once

// Podman's PodStatsReport: the row of one pod member that `pod stats`
// prints and GET /libpod/pods/stats returns.

#include <nlohmann/json.hpp>
#include <string>

#include "container/stats.hpp"

namespace berth::api {

// Builds the PodStatsReport of one member of the pod pod_id. The keys are
// Podman's, in its order: CPU, MemUsage, MemUsageBytes, Mem, NetIO,
// BlockIO, PIDS, Pod, CID, Name. The values are Podman's preformatted
// strings, such as "1.27MB / 8.2GB" (binary units in MemUsageBytes) and
// "0.52%". A value that is 0, as for a member that is not running, shows as
// "--" (or "-- / --" for a pair). CPU covers the time since previous, or
// since the container started when previous is null.
nlohmann::ordered_json pod_stats_report(const std::string& pod_id,
                                        const container::ContainerStats& now,
                                        const container::ContainerStats* previous);

}  // namespace berth::api
