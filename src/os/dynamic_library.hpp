#pragma once

#include <string>

namespace berth::os {

// A shared library opened with dlopen(RTLD_NOW | RTLD_LOCAL) and kept open
// for the life of the process, for dependencies that only some commands
// need and that would otherwise cost every start its loading time.
class DynamicLibrary {
 public:
  // Opens soname. Throws Error{kNotFound} naming the Debian package to
  // install when it cannot be loaded.
  DynamicLibrary(std::string soname, std::string package);

  // Points function at the symbol name. Throws Error{kNotFound} when the
  // library lacks it.
  template <typename Function>
  void resolve(const char* name, Function& function) const {
    function = reinterpret_cast<Function>(symbol(name));
  }

 private:
  void* symbol(const char* name) const;

  std::string soname_;
  std::string package_;
  void* handle_ = nullptr;
};

}  // namespace berth::os
