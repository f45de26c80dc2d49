#pragma once

#include <string>

#include "api/router.hpp"

namespace berth::api {

// Every route of the service: Docker's compat API and Podman's libpod API.
Router make_router();

// The route groups, one file each.
void add_system_routes(Router& router);     // _ping, version, info
void add_container_routes(Router& router);  // containers, both APIs
void add_image_routes(Router& router);      // images, both APIs
void add_manifest_routes(Router& router);   // manifest lists, libpod only
void add_stream_routes(Router& router);     // logs and events, both APIs
void add_attach_routes(Router& router);     // attach, resize and exec, both APIs
// Container top, stats, rename, pause, prune and archive routes, both APIs.
void add_container_ops_routes(Router& router);
void add_archive_routes(Router& router);
// Networks, volumes and system df, both APIs.
void add_network_routes(Router& router);
void add_volume_routes(Router& router);
void add_secret_routes(Router& router);  // secrets, both APIs
void add_pod_routes(Router& router);     // pods, libpod only
void add_build_routes(Router& router);   // image build, both APIs

// The socket the service listens on ("/run/berth/berth.sock" or
// "tcp://127.0.0.1:8080"), which libpod's info reports as the host's
// remote socket in place of the default path.
void set_served_socket(std::string socket);

}  // namespace berth::api
