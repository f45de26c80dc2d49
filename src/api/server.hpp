#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/router.hpp"
#include "os/fd.hpp"

namespace berth::engine {
class Engine;
}

namespace berth::api {

struct ServiceOptions {
  std::vector<os::Fd> listeners;
  // Socket files to remove when the service stops (not for sockets a
  // service manager passed).
  std::vector<std::string> socket_paths;
  // Seconds without an active request or stream before the service exits;
  // 0 serves until SIGTERM.
  int idle_timeout_seconds = 5;
  // Makes the engine a connection uses; called on the connection's thread.
  std::function<std::unique_ptr<engine::Engine>()> make_engine;
};

// Serves HTTP/1.1 on the listeners, one thread per connection, until
// SIGTERM or SIGINT, or until idle for the timeout. On SIGTERM it stops
// accepting, lets requests in flight finish, cuts streams and idle
// connections, and returns. Returns 0. router must outlive the process's
// threads (streams are not waited for): keep it in static storage.
int serve(const Router& router, ServiceOptions options);

}  // namespace berth::api
