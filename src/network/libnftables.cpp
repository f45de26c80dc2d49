#include "network/libnftables.hpp"

#include <dlfcn.h>

#include "common/error.hpp"

namespace berth::network {

namespace {

template <typename Function>
void resolve(void* handle, const char* name, Function& target) {
  void* symbol = ::dlsym(handle, name);
  if (symbol == nullptr) {
    fail(ErrorCode::kNotFound,
         "libnftables.so.1 has no symbol {}: reinstall the libnftables1 package", name);
  }
  target = reinterpret_cast<Function>(symbol);
}

LibNftables load() {
  void* handle = ::dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = ::dlerror();
    fail(ErrorCode::kNotFound,
         "loading libnftables.so.1 failed: {}: install the libnftables1 package",
         reason != nullptr ? reason : "unknown error");
  }
  LibNftables api{};
  resolve(handle, "nft_ctx_new", api.ctx_new);
  resolve(handle, "nft_ctx_buffer_output", api.ctx_buffer_output);
  resolve(handle, "nft_ctx_buffer_error", api.ctx_buffer_error);
  resolve(handle, "nft_ctx_output_set_flags", api.ctx_output_set_flags);
  resolve(handle, "nft_run_cmd_from_buffer", api.run_cmd_from_buffer);
  resolve(handle, "nft_ctx_get_output_buffer", api.ctx_get_output_buffer);
  resolve(handle, "nft_ctx_get_error_buffer", api.ctx_get_error_buffer);
  return api;  // the library stays loaded for the life of the process
}

}  // namespace

const LibNftables& libnftables() {
  static const LibNftables api = load();
  return api;
}

}  // namespace berth::network
