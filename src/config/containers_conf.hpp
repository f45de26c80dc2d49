#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::config {

// The [engine] settings of containers.conf that berth reads so far: the
// image transfer ones. Other tables and keys are ignored. An unset key is
// nullopt, so the caller applies Podman's default.
struct ContainersConf {
  // Layers copied at once by a pull; 0 means the default (6).
  std::optional<std::uint32_t> image_parallel_copies;
  // Retries of a failed registry request on pull and push.
  std::optional<std::uint32_t> retry;
  // Fixed delay between those retries, in nanoseconds; unset doubles it
  // from one second.
  std::optional<std::int64_t> retry_delay_ns;

  // [containers] default_ulimits: "NAME=SOFT:HARD" entries every container
  // gets unless --ulimit sets that name. A later file's list replaces an
  // earlier one.
  std::optional<std::vector<std::string>> default_ulimits;

  // [containers] default_sysctls: "NAME=VALUE" entries every container
  // gets unless --sysctl sets that name (Debian's file allows unprivileged
  // ping with net.ipv4.ping_group_range). A later file's list replaces an
  // earlier one.
  std::optional<std::vector<std::string>> default_sysctls;

  // Log driver: [containers] log_driver, log_size_max (bytes, -1 for no
  // limit) and log_tag, the defaults of --log-driver and --log-opt.
  std::optional<std::string> log_driver;
  std::optional<std::int64_t> log_size_max;
  std::optional<std::string> log_tag;

  // [engine] detach_keys: the default of --detach-keys for run, start,
  // attach and exec ("" disables detaching).
  std::optional<std::string> detach_keys;

  // Loads the files in Podman's order, later ones overriding earlier keys.
  // With $CONTAINERS_CONF set, only that file. Otherwise
  // /usr/share/containers/containers.conf, /etc/containers/containers.conf,
  // the *.conf drop-ins of /usr/share/containers/containers.conf.d and
  // /etc/containers/containers.conf.d in name order and, for a user other
  // than root, $XDG_CONFIG_HOME/containers/containers.conf (or
  // ~/.config/...) and its containers.conf.d. $CONTAINERS_CONF_OVERRIDE, when
  // set, comes last. Missing files are skipped. Throws
  // Error{kInvalidArgument} naming the file for invalid TOML or a value of
  // the wrong type.
  static ContainersConf load();

  // Parses one file's text; source_name appears in error messages.
  static ContainersConf parse(std::string_view toml_text, std::string_view source_name);

  // Applies the keys that later sets, as a later file does.
  void merge(const ContainersConf& later);
};

// Returns the number of layers a pull copies at once: image_parallel_copies,
// or 6 (Podman's default) when it is unset or 0.
unsigned parallel_copies(const ContainersConf& conf);

}  // namespace berth::config
