#include "os/dynamic_library.hpp"

#include <dlfcn.h>

#include "common/error.hpp"

namespace berth::os {

DynamicLibrary::DynamicLibrary(std::string soname, std::string package)
    : soname_(std::move(soname)), package_(std::move(package)) {
  handle_ = ::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* reason = ::dlerror();
    fail(ErrorCode::kNotFound, "loading {} failed: {}: install the {} package", soname_,
         reason != nullptr ? reason : "unknown error", package_);
  }
}

void* DynamicLibrary::symbol(const char* name) const {
  void* address = ::dlsym(handle_, name);
  if (address == nullptr) {
    fail(ErrorCode::kNotFound, "{} has no symbol {}: reinstall the {} package", soname_, name,
         package_);
  }
  return address;
}

}  // namespace berth::os
