#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include "common/error.hpp"

namespace berth::log {

void set_level(std::string_view name) {
  spdlog::level::level_enum level;
  if (name == "trace") {
    level = spdlog::level::trace;
  } else if (name == "debug") {
    level = spdlog::level::debug;
  } else if (name == "info") {
    level = spdlog::level::info;
  } else if (name == "warn" || name == "warning") {
    level = spdlog::level::warn;
  } else if (name == "error") {
    level = spdlog::level::err;
  } else if (name == "fatal" || name == "panic") {
    level = spdlog::level::critical;
  } else {
    fail(ErrorCode::kInvalidArgument,
         "invalid log level \"{}\": use trace, debug, info, warn, error, fatal or panic", name);
  }
  static bool configured = false;
  if (!configured) {
    auto logger = spdlog::stderr_logger_st("berth");
    // Debug output carries timestamps, for reading where the time goes.
    logger->set_pattern(level <= spdlog::level::debug ? "%^%l%$ %H:%M:%S.%f: %v" : "%^%l%$: %v");
    spdlog::set_default_logger(logger);
    configured = true;
  }
  spdlog::set_level(level);
}

}  // namespace berth::log
