#include "container/log_config.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/error.hpp"
#include "format/tree.hpp"

namespace berth::container {

void to_json(nlohmann::json& j, const LogConfig& c) {
  j = {{"driver", c.driver}, {"path", c.path}, {"max_size", c.max_size}, {"tag", c.tag}};
}

void from_json(const nlohmann::json& j, LogConfig& c) {
  c.driver = j.value("driver", std::string(kK8sFileDriver));
  c.path = j.value("path", "");
  c.max_size = j.value("max_size", std::int64_t{-1});
  c.tag = j.value("tag", "");
}

std::int64_t parse_log_size(std::string_view text) {
  auto invalid = [&] {
    fail(ErrorCode::kInvalidArgument,
         "invalid size \"{}\": use a number with an optional unit k, m, g, t or p, such as 10m",
         text);
  };
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  std::string number(text.substr(0, i));
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      number.find('.') != number.rfind('.')) {
    invalid();
  }
  std::string_view unit = text.substr(i);
  if (unit.starts_with(' ')) unit.remove_prefix(1);
  double multiplier = 1;
  if (!unit.empty()) {
    switch (std::tolower(static_cast<unsigned char>(unit.front()))) {
      case 'k': multiplier = 1e3; break;
      case 'm': multiplier = 1e6; break;
      case 'g': multiplier = 1e9; break;
      case 't': multiplier = 1e12; break;
      case 'p': multiplier = 1e15; break;
      default: multiplier = 0;
    }
    if (multiplier != 0) unit.remove_prefix(1);
    multiplier = multiplier == 0 ? 1 : multiplier;
  }
  if (!unit.empty() && (unit.front() == 'i' || unit.front() == 'I')) unit.remove_prefix(1);
  if (!unit.empty() && (unit.front() == 'b' || unit.front() == 'B')) unit.remove_prefix(1);
  if (!unit.empty()) invalid();
  return static_cast<std::int64_t>(std::stod(number) * multiplier);
}

std::string format_log_size(std::int64_t bytes) {
  return format::human_size_unspaced(bytes < 0 ? 0 : static_cast<double>(bytes), 4);
}

LogConfig parse_log_config(std::string_view driver, const std::vector<std::string>& options,
                           const LogConfig& defaults) {
  LogConfig config = defaults;
  if (!driver.empty()) config.driver = std::string(driver);
  if (config.driver != kK8sFileDriver && config.driver != kJsonFileDriver &&
      config.driver != kJournaldDriver && config.driver != kNoneDriver &&
      config.driver != kPassthroughDriver) {
    fail(ErrorCode::kInvalidArgument,
         "invalid log driver \"{}\": use k8s-file, json-file, journald, none or passthrough",
         config.driver);
  }
  for (const auto& option : options) {
    auto equals = option.find('=');
    if (equals == std::string::npos) {
      fail(ErrorCode::kInvalidArgument,
           "invalid log option \"{}\": use path=FILE, max-size=SIZE or tag=TEMPLATE", option);
    }
    std::string name = option.substr(0, equals);
    std::string value = option.substr(equals + 1);
    if (name == "path") {
      if (value.empty()) {
        fail(ErrorCode::kInvalidArgument, "invalid log option \"{}\": the path is empty", option);
      }
      config.path = std::filesystem::absolute(value).lexically_normal().string();
    } else if (name == "max-size") {
      config.max_size = parse_log_size(value);
    } else if (name == "tag") {
      config.tag = value;
    }
  }
  return config;
}

}  // namespace berth::container
