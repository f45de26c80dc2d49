#pragma once

// Remote client: `logs` of several containers, merged as LocalEngine merges
// them (see container::write_logs).

#include <string>
#include <vector>

#include "api/client.hpp"
#include "container/logs.hpp"

namespace berth::engine::remote {

// Writes the logs of several containers through the service's libpod logs
// route. Each line starts with the container's short ID (or its name with
// options.names) and a space. Without follow, the lines of all containers
// are merged in time order; with follow, they are written as they arrive.
// Every name is resolved before anything is written, so an unknown
// container throws Error{kNotFound} with no output.
void write_several_logs(api::Client& client, const std::vector<std::string>& names_or_ids,
                        const container::LogOptions& options, int stdout_fd, int stderr_fd);

}  // namespace berth::engine::remote
