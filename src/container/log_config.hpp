#pragma once

// Log drivers: where berth-monitor sends a container's output (--log-driver
// and --log-opt, or containers.conf log_driver, log_size_max and log_tag).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace berth::container {

// The log driver names Podman accepts. json-file writes the k8s-file format
// too, as Podman 4.3 does, and inspect shows the name the user gave.
inline constexpr std::string_view kK8sFileDriver = "k8s-file";
inline constexpr std::string_view kJsonFileDriver = "json-file";
inline constexpr std::string_view kJournaldDriver = "journald";
inline constexpr std::string_view kNoneDriver = "none";
inline constexpr std::string_view kPassthroughDriver = "passthrough";

struct LogConfig {
  std::string driver = std::string(kK8sFileDriver);
  // The log file of a file driver; "" means the default, ctr.log in the
  // container's directory.
  std::string path;
  // Bytes after which the log file is truncated and started again; -1 for
  // no limit (Podman's default).
  std::int64_t max_size = -1;
  // --log-opt tag: SYSLOG_IDENTIFIER and CONTAINER_TAG of journald records.
  std::string tag;

  // Whether the driver writes a log file that `logs` reads.
  bool writes_file() const { return driver == kK8sFileDriver || driver == kJsonFileDriver; }
  // Whether `logs` can read anything back.
  bool readable() const { return writes_file() || driver == kJournaldDriver; }
};

void to_json(nlohmann::json& j, const LogConfig& c);
void from_json(const nlohmann::json& j, LogConfig& c);

// Builds a container's log configuration from --log-driver (empty: the
// containers.conf default) and the --log-opt values path=FILE,
// max-size=SIZE and tag=TEMPLATE. Other NAME=VALUE options are accepted and
// ignored, as Podman does. Throws Error{kInvalidArgument} naming an unknown
// driver, an option without "=" or a size that does not parse. A relative
// path is made absolute against the current directory.
LogConfig parse_log_config(std::string_view driver, const std::vector<std::string>& options,
                           const LogConfig& defaults);

// Parses a size as Podman does for max-size: a decimal number with an
// optional unit k, m, g, t or p (powers of 1000; "KiB", "kb" and "K" all
// mean 1000). Throws Error{kInvalidArgument} naming the text.
std::int64_t parse_log_size(std::string_view text);

// Formats a byte count as Podman's inspect does: "0B", "100B", "1kB",
// "1.5MB" (four significant digits, powers of 1000). A negative count is "0B".
std::string format_log_size(std::int64_t bytes);

}  // namespace berth::container
