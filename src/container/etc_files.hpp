#pragma once

#include <string>
#include <vector>

#include "container/config.hpp"
#include "runtime/spec.hpp"

namespace berth::container {

// Writes the hosts, hostname and resolv.conf files that are bind-mounted
// over the container's /etc entries, into dir. dns_servers are the
// gateways whose aardvark-dns serves the container's networks: unless
// --dns is given, they replace the host's name servers, and the search
// list starts with dns.podman, as Podman does.
void write_etc_files(const std::string& dir, const std::string& hostname,
                     const std::string& name, const ContainerConfig& config,
                     const NetworkState& network, const std::vector<std::string>& dns_servers);

// Writes DIR/passwd and DIR/group as the image's files plus the lines that a
// numeric --user lacks, for bind mounts over /etc/passwd and /etc/group.
// Returns the container paths ("/etc/passwd", "/etc/group") it wrote files for.
std::vector<std::string> write_id_files(const std::string& dir,
                                        const runtime::MissingIdEntries& entries);

}  // namespace berth::container
