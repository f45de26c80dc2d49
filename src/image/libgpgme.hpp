#pragma once

#include <gpgme.h>

namespace berth::image {

// The GPGME functions berth uses, resolved with dlopen("libgpgme.so.11") on
// first use, like libcurl (see image/libcurl.hpp): only pulls and pushes that
// check or create signatures need GPGME and the libraries it loads.
struct LibGpgme {
  decltype(&gpgme_check_version_internal) check_version_internal;
  decltype(&gpgme_strerror) strerror;
  decltype(&gpgme_new) new_context;
  decltype(&gpgme_release) release;
  decltype(&gpgme_set_protocol) set_protocol;
  decltype(&gpgme_ctx_set_engine_info) ctx_set_engine_info;
  decltype(&gpgme_set_armor) set_armor;
  decltype(&gpgme_data_new) data_new;
  decltype(&gpgme_data_new_from_mem) data_new_from_mem;
  decltype(&gpgme_data_release) data_release;
  decltype(&gpgme_data_release_and_get_mem) data_release_and_get_mem;
  decltype(&gpgme_free) free;
  decltype(&gpgme_op_import) op_import;
  decltype(&gpgme_op_import_result) op_import_result;
  decltype(&gpgme_op_verify) op_verify;
  decltype(&gpgme_op_verify_result) op_verify_result;
  decltype(&gpgme_op_sign) op_sign;
  decltype(&gpgme_op_sign_result) op_sign_result;
  decltype(&gpgme_get_key) get_key;
  decltype(&gpgme_key_unref) key_unref;
  decltype(&gpgme_signers_clear) signers_clear;
  decltype(&gpgme_signers_add) signers_add;
};

// Returns the loaded functions, loading libgpgme and running
// gpgme_check_version the first time. Throws Error{kNotFound} naming the
// package when libgpgme cannot be loaded.
const LibGpgme& libgpgme();

}  // namespace berth::image
