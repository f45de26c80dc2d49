#include "image/libcurl.hpp"

#include <dlfcn.h>

#include <string>

#include "common/error.hpp"

namespace berth::image {

namespace {

template <typename Function>
void resolve(void* handle, const char* name, Function& target) {
  void* symbol = ::dlsym(handle, name);
  if (symbol == nullptr) {
    fail(ErrorCode::kNotFound, "libcurl.so.4 has no symbol {}: reinstall the libcurl4 package",
         name);
  }
  target = reinterpret_cast<Function>(symbol);
}

LibCurl load() {
  void* handle = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = ::dlerror();
    fail(ErrorCode::kNotFound, "loading libcurl.so.4 failed: {}: install the libcurl4 package",
         reason != nullptr ? reason : "unknown error");
  }
  LibCurl api{};
  resolve(handle, "curl_global_init", api.global_init);
  resolve(handle, "curl_easy_init", api.easy_init);
  resolve(handle, "curl_easy_cleanup", api.easy_cleanup);
  resolve(handle, "curl_easy_reset", api.easy_reset);
  resolve(handle, "curl_easy_setopt", api.easy_setopt);
  resolve(handle, "curl_easy_getinfo", api.easy_getinfo);
  resolve(handle, "curl_easy_perform", api.easy_perform);
  resolve(handle, "curl_easy_strerror", api.easy_strerror);
  resolve(handle, "curl_slist_append", api.slist_append);
  resolve(handle, "curl_slist_free_all", api.slist_free_all);
  CURLcode code = api.global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    fail(ErrorCode::kInternal, "initializing libcurl failed: {}", api.easy_strerror(code));
  }
  // The handle stays open for the life of the process.
  return api;
}

}  // namespace

const LibCurl& libcurl() {
  static const LibCurl api = load();
  return api;
}

}  // namespace berth::image
