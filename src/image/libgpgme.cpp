#include "image/libgpgme.hpp"

#include <cstddef>

#include "common/error.hpp"
#include "os/dynamic_library.hpp"

namespace berth::image {

namespace {

LibGpgme load() {
  os::DynamicLibrary library("libgpgme.so.11", "libgpgme11");
  LibGpgme api{};
  library.resolve("gpgme_check_version_internal", api.check_version_internal);
  library.resolve("gpgme_strerror", api.strerror);
  library.resolve("gpgme_new", api.new_context);
  library.resolve("gpgme_release", api.release);
  library.resolve("gpgme_set_protocol", api.set_protocol);
  library.resolve("gpgme_ctx_set_engine_info", api.ctx_set_engine_info);
  library.resolve("gpgme_set_armor", api.set_armor);
  library.resolve("gpgme_data_new", api.data_new);
  library.resolve("gpgme_data_new_from_mem", api.data_new_from_mem);
  library.resolve("gpgme_data_release", api.data_release);
  library.resolve("gpgme_data_release_and_get_mem", api.data_release_and_get_mem);
  library.resolve("gpgme_free", api.free);
  library.resolve("gpgme_op_import", api.op_import);
  library.resolve("gpgme_op_import_result", api.op_import_result);
  library.resolve("gpgme_op_verify", api.op_verify);
  library.resolve("gpgme_op_verify_result", api.op_verify_result);
  library.resolve("gpgme_op_sign", api.op_sign);
  library.resolve("gpgme_op_sign_result", api.op_sign_result);
  library.resolve("gpgme_get_key", api.get_key);
  library.resolve("gpgme_key_unref", api.key_unref);
  library.resolve("gpgme_signers_clear", api.signers_clear);
  library.resolve("gpgme_signers_add", api.signers_add);
  // The layout check that the gpgme_check_version macro passes: it also
  // initializes the library, which must happen before any other call.
  if (api.check_version_internal(nullptr, offsetof(struct _gpgme_signature, validity)) ==
      nullptr) {
    fail(ErrorCode::kInternal, "initializing libgpgme failed: the library version is unusable");
  }
  return api;
}

}  // namespace

const LibGpgme& libgpgme() {
  static const LibGpgme api = load();
  return api;
}

}  // namespace berth::image
