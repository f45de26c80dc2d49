// The service's route table: each group adds its own routes.

#include "api/routes.hpp"

namespace berth::api {

Router make_router() {
  Router router;
  add_system_routes(router);
  add_container_routes(router);
  add_image_routes(router);
  add_manifest_routes(router);
  add_stream_routes(router);
  add_attach_routes(router);
  // Container top, stats, rename, pause, prune and archive routes.
  add_container_ops_routes(router);
  add_archive_routes(router);
  // Networks, volumes and system df.
  add_network_routes(router);
  add_volume_routes(router);
  add_secret_routes(router);
  add_pod_routes(router);  // Pods, libpod only.
  add_build_routes(router);  // Image builds, both APIs.
  return router;
}

}  // namespace berth::api
