#pragma once

#include <string>

#include "os/fd.hpp"

namespace berth::api {

// Attach clients waiting for a created container to start. Docker clients
// attach before they start a container. The start through the service
// then hands the waiting socket to the container's monitor, as `run`
// does, so no output is lost.

// Registers the monitor's end of an attach socket pair for container id.
// Returns a ticket for withdraw.
int add_pending_attach(const std::string& id, os::Fd monitor_end);
// Takes the oldest waiting socket of container id, or an empty Fd.
os::Fd take_pending_attach(const std::string& id);
// Withdraws ticket when its client has gone before the start.
void withdraw_pending_attach(int ticket);

}  // namespace berth::api
