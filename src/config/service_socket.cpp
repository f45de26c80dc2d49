#include "config/service_socket.hpp"

#include <unistd.h>

#include <cstdlib>

namespace berth::config {

std::string default_service_socket() {
  if (::geteuid() == 0) return "/run/berth/berth.sock";
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  std::string dir = runtime_dir != nullptr && *runtime_dir != '\0'
                        ? runtime_dir
                        : "/run/user/" + std::to_string(::geteuid());
  return dir + "/berth/berth.sock";
}

}  // namespace berth::config
