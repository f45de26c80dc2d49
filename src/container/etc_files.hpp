#pragma once

#include <string>

#include "container/config.hpp"

namespace berth::container {

// Writes the hosts, hostname and resolv.conf files that are bind-mounted
// over the container's /etc entries, into dir.
void write_etc_files(const std::string& dir, const std::string& hostname,
                     const std::string& name, const ContainerConfig& config,
                     const NetworkState& network);

}  // namespace berth::container
