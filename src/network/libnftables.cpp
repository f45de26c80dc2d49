#include "network/libnftables.hpp"

#include "os/dynamic_library.hpp"

namespace berth::network {

namespace {

LibNftables load() {
  os::DynamicLibrary library("libnftables.so.1", "libnftables1");
  LibNftables api{};
  library.resolve("nft_ctx_new", api.ctx_new);
  library.resolve("nft_ctx_buffer_output", api.ctx_buffer_output);
  library.resolve("nft_ctx_buffer_error", api.ctx_buffer_error);
  library.resolve("nft_ctx_output_set_flags", api.ctx_output_set_flags);
  library.resolve("nft_run_cmd_from_buffer", api.run_cmd_from_buffer);
  library.resolve("nft_ctx_get_output_buffer", api.ctx_get_output_buffer);
  library.resolve("nft_ctx_get_error_buffer", api.ctx_get_error_buffer);
  return api;
}

}  // namespace

const LibNftables& libnftables() {
  static const LibNftables api = load();
  return api;
}

}  // namespace berth::network
