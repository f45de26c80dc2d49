#pragma once

#include "api/router.hpp"

namespace berth::api {

// Every route of the service: Docker's compat API and Podman's libpod API.
Router make_router();

// The route groups, one file each.
void add_system_routes(Router& router);     // _ping, version, info
void add_container_routes(Router& router);  // containers, both APIs
void add_image_routes(Router& router);      // images, both APIs
void add_stream_routes(Router& router);     // logs and events, both APIs
void add_attach_routes(Router& router);     // attach, resize and exec, both APIs

}  // namespace berth::api
