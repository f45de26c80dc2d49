#include "image/libcurl.hpp"

#include "common/error.hpp"
#include "os/dynamic_library.hpp"

namespace berth::image {

namespace {

LibCurl load() {
  os::DynamicLibrary library("libcurl.so.4", "libcurl4");
  LibCurl api{};
  library.resolve("curl_global_init", api.global_init);
  library.resolve("curl_easy_init", api.easy_init);
  library.resolve("curl_easy_cleanup", api.easy_cleanup);
  library.resolve("curl_easy_reset", api.easy_reset);
  library.resolve("curl_easy_setopt", api.easy_setopt);
  library.resolve("curl_easy_getinfo", api.easy_getinfo);
  library.resolve("curl_easy_perform", api.easy_perform);
  library.resolve("curl_easy_strerror", api.easy_strerror);
  library.resolve("curl_slist_append", api.slist_append);
  library.resolve("curl_slist_free_all", api.slist_free_all);
  CURLcode code = api.global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    fail(ErrorCode::kInternal, "initializing libcurl failed: {}", api.easy_strerror(code));
  }
  return api;
}

}  // namespace

const LibCurl& libcurl() {
  static const LibCurl api = load();
  return api;
}

}  // namespace berth::image
