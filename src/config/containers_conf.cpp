#include "config/containers_conf.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <toml++/toml.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "config/go_duration.hpp"
#include "os/file.hpp"

namespace berth::config {

namespace {

constexpr unsigned kDefaultParallelCopies = 6;

// A [containers] field with a list of strings, or nullopt when absent.
std::optional<std::vector<std::string>> string_list(const toml::table& containers,
                                                    std::string_view key,
                                                    std::string_view source) {
  const toml::node* node = containers.get(key);
  if (node == nullptr) return std::nullopt;
  const toml::array* list = node->as_array();
  if (list == nullptr || (!list->empty() && !list->is_homogeneous(toml::node_type::string))) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: field \"containers.{}\" must be a list of strings", source, key);
  }
  std::vector<std::string> values;
  for (const toml::node& item : *list) values.push_back(*item.value<std::string>());
  return values;
}

std::optional<std::uint32_t> count_field(const toml::table& engine, std::string_view key,
                                         std::string_view source) {
  const toml::node* node = engine.get(key);
  if (node == nullptr) return std::nullopt;
  auto value = node->value<std::int64_t>();
  if (!value || *value < 0 || *value > UINT32_MAX) {
    fail(ErrorCode::kInvalidArgument,
         "parsing {}: field \"engine.{}\" must be a number from 0 to {}", source, key,
         UINT32_MAX);
  }
  return static_cast<std::uint32_t>(*value);
}

std::vector<std::string> drop_ins(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".conf") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The user's config directory: $XDG_CONFIG_HOME or ~/.config, or "".
std::string user_config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return xdg;
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.config";
  }
  return "";
}

std::vector<std::string> config_files() {
  std::vector<std::string> files;
  if (const char* path = std::getenv("CONTAINERS_CONF"); path != nullptr && *path != '\0') {
    files.push_back(path);
  } else {
    files.push_back("/usr/share/containers/containers.conf");
    files.push_back("/etc/containers/containers.conf");
    for (const char* dir :
         {"/usr/share/containers/containers.conf.d", "/etc/containers/containers.conf.d"}) {
      for (std::string& file : drop_ins(dir)) files.push_back(std::move(file));
    }
    std::string user_dir = user_config_dir();
    if (::geteuid() != 0 && !user_dir.empty()) {
      files.push_back(user_dir + "/containers/containers.conf");
      for (std::string& file : drop_ins(user_dir + "/containers/containers.conf.d")) {
        files.push_back(std::move(file));
      }
    }
  }
  if (const char* path = std::getenv("CONTAINERS_CONF_OVERRIDE"); path != nullptr && *path) {
    files.push_back(path);
  }
  return files;
}

// Log driver: reads log_driver, log_size_max and log_tag of [containers].
void read_log_settings(const toml::table& containers, std::string_view source,
                       ContainersConf& conf) {
  for (std::string_view key : {"log_driver", "log_tag"}) {
    const toml::node* node = containers.get(key);
    if (node == nullptr) continue;
    auto value = node->value<std::string>();
    if (!value) {
      fail(ErrorCode::kInvalidArgument, "parsing {}: field \"containers.{}\" must be a string",
           source, key);
    }
    (key == "log_driver" ? conf.log_driver : conf.log_tag) = *value;
  }
  if (const toml::node* node = containers.get("log_size_max")) {
    auto value = node->value<std::int64_t>();
    if (!value) {
      fail(ErrorCode::kInvalidArgument,
           "parsing {}: field \"containers.log_size_max\" must be a number of bytes", source);
    }
    conf.log_size_max = *value;
  }
}

}  // namespace

ContainersConf ContainersConf::parse(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    fail(ErrorCode::kInvalidArgument, "parsing {}: {}", source_name, e.description());
  }
  ContainersConf conf;
  // [containers] default_ulimits and default_sysctls, read before the
  // [engine] table.
  if (const toml::table* containers = root["containers"].as_table()) {
    conf.default_ulimits = string_list(*containers, "default_ulimits", source_name);
    conf.default_sysctls = string_list(*containers, "default_sysctls", source_name);
  }
  // Log driver defaults from [containers].
  if (const toml::table* containers = root["containers"].as_table()) {
    read_log_settings(*containers, source_name, conf);
  }
  const toml::node* engine_node = root.get("engine");
  if (engine_node == nullptr) return conf;
  const toml::table* engine = engine_node->as_table();
  if (engine == nullptr) {
    fail(ErrorCode::kInvalidArgument, "parsing {}: \"engine\" must be a table", source_name);
  }
  conf.image_parallel_copies = count_field(*engine, "image_parallel_copies", source_name);
  conf.retry = count_field(*engine, "retry", source_name);
  if (const toml::node* delay = engine->get("retry_delay")) {
    auto text = delay->value<std::string>();
    if (!text) {
      fail(ErrorCode::kInvalidArgument,
           "parsing {}: field \"engine.retry_delay\" must be a duration string such as \"2s\"",
           source_name);
    }
    conf.retry_delay_ns = with_context(fmt::format("parsing {}: engine.retry_delay", source_name),
                                       [&] { return parse_go_duration(*text); });
  }
  if (const toml::node* keys = engine->get("detach_keys")) {
    auto text = keys->value<std::string>();
    if (!text) {
      fail(ErrorCode::kInvalidArgument,
           "parsing {}: field \"engine.detach_keys\" must be a string such as \"ctrl-p,ctrl-q\"",
           source_name);
    }
    conf.detach_keys = *text;
  }
  return conf;
}

void ContainersConf::merge(const ContainersConf& later) {
  if (later.image_parallel_copies) image_parallel_copies = later.image_parallel_copies;
  if (later.retry) retry = later.retry;
  if (later.retry_delay_ns) retry_delay_ns = later.retry_delay_ns;
  if (later.default_ulimits) default_ulimits = later.default_ulimits;
  if (later.default_sysctls) default_sysctls = later.default_sysctls;
  // Log driver defaults.
  if (later.log_driver) log_driver = later.log_driver;
  if (later.log_size_max) log_size_max = later.log_size_max;
  if (later.log_tag) log_tag = later.log_tag;
  if (later.detach_keys) detach_keys = later.detach_keys;
}

ContainersConf ContainersConf::load() {
  ContainersConf conf;
  for (const std::string& path : config_files()) {
    std::optional<std::string> text = os::read_file_if_exists(path);
    if (!text) continue;
    SPDLOG_DEBUG("reading {}", path);
    conf.merge(parse(*text, path));
  }
  return conf;
}

unsigned parallel_copies(const ContainersConf& conf) {
  std::uint32_t value = conf.image_parallel_copies.value_or(0);
  return value == 0 ? kDefaultParallelCopies : value;
}

}  // namespace berth::config
