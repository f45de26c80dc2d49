#pragma once

// Where `system service` listens when no URI is given, and where the
// remote client looks when no URL or connection is given.

#include <string>

namespace berth::config {

// Returns /run/berth/berth.sock for root, else
// $XDG_RUNTIME_DIR/berth/berth.sock (/run/user/UID/berth/berth.sock when
// XDG_RUNTIME_DIR is unset).
std::string default_service_socket();

}  // namespace berth::config
