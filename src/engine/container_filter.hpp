#pragma once

// `ps --filter` and `container prune --filter`: parsing, validation and
// matching of container filters, as Podman applies them.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace berth::engine {

// Filters by key. Values of one key match when any of them matches (OR),
// except label and label!, which must all match (AND); different keys must
// all match.
struct ContainerFilter {
  std::map<std::string, std::vector<std::string>> values;

  bool empty() const { return values.empty(); }
  bool has(const std::string& key) const { return values.contains(key); }
};

// Parses KEY=VALUE filters of `ps`: id, name (a regular expression),
// label (KEY or KEY=VALUE), label!, exited (an exit code), status
// (created, running, paused, stopped, exited, unknown), ancestor (image
// name or ID), before and since (a container), volume (name or mount
// destination), health (starting, healthy, unhealthy, none), pod and
// network. Throws Error{kInvalidArgument} naming a bad key or value.
ContainerFilter parse_container_filters(const std::vector<std::string>& filters);

// Parses the filters of `container prune`: until (RFC 3339, Unix seconds
// or a Go duration before now) and label/label!. Throws Error{kInvalidArgument} otherwise.
ContainerFilter parse_prune_filters(const std::vector<std::string>& filters);

// Returns the containers of candidates that match filter, in their order.
// all is every container, to resolve before= and since=; throws
// Error{kNotFound} when one of them names no container.
std::vector<ContainerSummary> match_containers(const std::vector<ContainerSummary>& candidates,
                                               const std::vector<ContainerSummary>& all,
                                               const ContainerFilter& filter);

}  // namespace berth::engine
