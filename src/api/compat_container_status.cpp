// Docker's names for container states.

#include "api/compat_container_status.hpp"

#include "engine/container_json.hpp"

namespace berth::api {

std::string docker_state(const std::string& status) {
  if (status == "stopped") return "exited";
  if (status == "initialized") return "created";
  return status;
}

std::string compat_status_text(const engine::ContainerSummary& c, std::int64_t now) {
  if (c.status != "paused") return engine::container_status_text(c, now);
  engine::ContainerSummary running = c;
  running.status = "running";
  return engine::container_status_text(running, now) + " (Paused)";
}

}  // namespace berth::api
