// Image routes of both APIs: list and inspect.

#include "api/exchange.hpp"
#include "api/routes.hpp"
#include "engine/engine.hpp"

namespace berth::api {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;
using nlohmann::json;
using nlohmann::ordered_json;

void list(Exchange& x) {
  ordered_json out = ordered_json::array();
  for (const auto& image : x.engine().list_images()) {
    std::int64_t created = image.created_ns / 1000000000;
    if (x.libpod()) {
      out.push_back({{"Id", image.id},
                     {"ParentId", ""},
                     {"RepoTags", image.names},
                     {"RepoDigests", image.repo_digests},
                     {"Created", created},
                     {"Size", image.size},
                     {"SharedSize", 0},
                     {"VirtualSize", image.size},
                     {"Labels", json::object()},
                     {"Containers", 0},
                     {"Names", image.names},
                     {"Digest", image.digest},
                     {"History", image.names}});
    } else {
      ordered_json tags = image.names;
      if (image.names.empty()) tags = ordered_json::array({"<none>:<none>"});
      out.push_back({{"Id", "sha256:" + image.id},
                     {"ParentId", ""},
                     {"RepoTags", tags},
                     {"RepoDigests", image.repo_digests},
                     {"Created", created},
                     {"Size", image.size},
                     {"SharedSize", -1},
                     {"VirtualSize", image.size},
                     {"Labels", json::object()},
                     {"Containers", -1}});
    }
  }
  x.reply_json(status::ok, out);
}

void inspect(Exchange& x) {
  json result = x.engine().inspect_image(x.param("name"));
  if (result.is_array() && !result.empty()) result = result.front();
  if (!x.libpod() && result.contains("Id") && result["Id"].is_string()) {
    std::string id = result["Id"];
    if (!id.starts_with("sha256:")) result["Id"] = "sha256:" + id;
  }
  x.reply_json(status::ok, result);
}

}  // namespace

void add_image_routes(Router& router) {
  for (const char* prefix : {"", "/libpod"}) {
    std::string p = prefix;
    router.add(verb::get, p + "/images/json", list);
    router.add(verb::get, p + "/images/{name...}/json", inspect);
  }
}

}  // namespace berth::api
