// The service's route table: each group adds its own routes.

#include "api/routes.hpp"

namespace berth::api {

Router make_router() {
  Router router;
  add_system_routes(router);
  add_container_routes(router);
  add_image_routes(router);
  add_stream_routes(router);
  add_attach_routes(router);
  return router;
}

}  // namespace berth::api
