#pragma once

#include <nftables/libnftables.h>

namespace berth::network {

// The libnftables functions berth uses, resolved with dlopen on first use:
// libnftables and its five dependencies cost every berth start about 2 ms
// of dynamic loading, and only commands that change a bridge network use
// them.
struct LibNftables {
  decltype(&nft_ctx_new) ctx_new;
  decltype(&nft_ctx_buffer_output) ctx_buffer_output;
  decltype(&nft_ctx_buffer_error) ctx_buffer_error;
  decltype(&nft_ctx_output_set_flags) ctx_output_set_flags;
  decltype(&nft_run_cmd_from_buffer) run_cmd_from_buffer;
  decltype(&nft_ctx_get_output_buffer) ctx_get_output_buffer;
  decltype(&nft_ctx_get_error_buffer) ctx_get_error_buffer;
};

// Returns the loaded functions, loading libnftables.so.1 the first time.
// Throws Error{kNotFound} naming the package when it cannot be loaded.
const LibNftables& libnftables();

}  // namespace berth::network
