#pragma once

#include <curl/curl.h>

namespace berth::image {

// The libcurl functions berth uses, resolved with dlopen("libcurl.so.4") on
// first use. Linking libcurl directly would cost every berth start, most of
// which never talk to a registry, about 6 ms of dynamic loading for the
// twenty libraries libcurl depends on.
struct LibCurl {
  decltype(&curl_global_init) global_init;
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_reset) easy_reset;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
};

// Returns the loaded functions, loading libcurl and running
// curl_global_init the first time. Throws Error{kNotFound} naming the
// package when libcurl cannot be loaded.
const LibCurl& libcurl();

}  // namespace berth::image
