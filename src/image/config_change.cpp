#include "image/config_change.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "common/error.hpp"

namespace berth::image {

namespace {

constexpr std::string_view kInstructions[] = {"CMD",     "ENTRYPOINT", "ENV",  "EXPOSE", "LABEL",
                                              "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};
constexpr std::string_view kSupported =
    "CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR";

bool is_supported(std::string_view instruction) {
  return std::find(std::begin(kInstructions), std::end(kInstructions), instruction) !=
         std::end(kInstructions);
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (auto& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

// Thrown inside this file with the reason only; apply_config_change adds
// the change that caused it.
[[noreturn]] void invalid(std::string reason) {
  throw Error(ErrorCode::kInvalidArgument, std::move(reason));
}

// Splits text into words at unquoted whitespace (or keeps it one word when
// split is false) and removes quotes and escapes as a Dockerfile does:
// single quotes keep everything literally, a backslash escapes the next
// character outside quotes, and inside double quotes only before \ " $ `.
std::vector<std::string> split_words(std::string_view text, bool split = true) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        word += c;
      }
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < text.size() &&
                 std::string_view("\\\"$`").find(text[i + 1]) != std::string_view::npos) {
        word += text[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (split && is_space(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (quote != 0) invalid(fmt::format("unterminated {} quote", quote));
  if (in_word) words.push_back(std::move(word));
  return words;
}

// Returns the length of the first word of text, where whitespace inside
// quotes or after a backslash does not end it.
std::size_t first_word_length(std::string_view text) {
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      if (c == '\\' && quote == '"') ++i;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\') {
      ++i;
    } else if (is_space(c)) {
      return i;
    }
  }
  return text.size();
}

// Parses a JSON array of strings (the exec form), or returns nullopt when
// value is not one, which makes it a shell-form string as in a Dockerfile.
std::optional<std::vector<std::string>> json_string_array(std::string_view value) {
  if (value.empty() || value.front() != '[') return std::nullopt;
  auto parsed = nlohmann::json::parse(value, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) return std::nullopt;
  std::vector<std::string> result;
  for (const auto& item : parsed) {
    if (!item.is_string()) return std::nullopt;
    result.push_back(item.get<std::string>());
  }
  return result;
}

std::vector<std::string> command_form(std::string_view value) {
  if (auto exec = json_string_array(value)) return *exec;
  return {"/bin/sh", "-c", std::string(value)};
}

// Parses the KEY=VALUE pairs of ENV and LABEL, or the one-pair form
// "KEY VALUE" when the first word has no "=".
std::vector<std::pair<std::string, std::string>> key_value_pairs(std::string_view value,
                                                                 std::string_view instruction) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string_view first = value.substr(0, first_word_length(value));
  if (first.find('=') == std::string_view::npos) {
    auto key = split_words(first);
    std::string_view rest = trim(value.substr(first.size()));
    if (key.size() != 1 || rest.empty()) {
      invalid(fmt::format("{} needs KEY=VALUE pairs or one KEY VALUE", instruction));
    }
    auto words = split_words(rest, false);
    pairs.emplace_back(key.front(), words.empty() ? "" : words.front());
    return pairs;
  }
  for (auto& word : split_words(value)) {
    auto equals = word.find('=');
    if (equals == std::string::npos || equals == 0) {
      invalid(fmt::format("{} needs KEY=VALUE pairs, got \"{}\"", instruction, word));
    }
    pairs.emplace_back(word.substr(0, equals), word.substr(equals + 1));
  }
  return pairs;
}

void set_env(nlohmann::json& config, const std::string& key, const std::string& value) {
  auto& env = config["Env"];
  if (!env.is_array()) env = nlohmann::json::array();
  std::string entry = key + "=" + value;
  for (auto& existing : env) {
    if (!existing.is_string()) continue;
    const auto& text = existing.get_ref<const std::string&>();
    if (text.substr(0, text.find('=')) == key) {
      existing = entry;
      return;
    }
  }
  env.push_back(entry);
}

std::uint32_t parse_port_number(std::string_view text, std::string_view spec) {
  std::uint32_t port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port == 0 ||
      port > 65535) {
    invalid(fmt::format("invalid port \"{}\": expected a number from 1 to 65535", spec));
  }
  return port;
}

// Adds the ports of one EXPOSE word: "N", "N-M", with "/tcp", "/udp" or
// "/sctp" (default tcp). A range adds each port, as Docker does.
void expose(nlohmann::json& config, std::string_view spec) {
  auto slash = spec.find('/');
  std::string_view ports = spec.substr(0, slash);
  std::string protocol = "tcp";
  if (slash != std::string_view::npos) {
    protocol = std::string(spec.substr(slash + 1));
    std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
      invalid(fmt::format("invalid protocol in port \"{}\": use tcp, udp or sctp", spec));
    }
  }
  auto dash = ports.find('-');
  std::uint32_t first = parse_port_number(ports.substr(0, dash), spec);
  std::uint32_t last = first;
  if (dash != std::string_view::npos) last = parse_port_number(ports.substr(dash + 1), spec);
  if (last < first)
    invalid(fmt::format("invalid port range \"{}\": it ends before it starts", spec));
  auto& exposed = config["ExposedPorts"];
  if (!exposed.is_object()) exposed = nlohmann::json::object();
  for (std::uint32_t port = first; port <= last; ++port) {
    exposed[std::to_string(port) + "/" + protocol] = nlohmann::json::object();
  }
}

// Joins a relative WORKDIR to the current one and removes ".", ".." and
// repeated slashes.
std::string resolve_workdir(const nlohmann::json& config, std::string_view value) {
  std::string path(value);
  if (value.front() != '/' && config.contains("WorkingDir") && config["WorkingDir"].is_string()) {
    path.insert(0, config["WorkingDir"].get<std::string>() + "/");
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(std::move(part));
  }
  std::string result;
  for (const auto& part : parts) result += "/" + part;
  return result.empty() ? "/" : result;
}

void apply_instruction(nlohmann::json& config, const std::string& instruction,
                       std::string_view value) {
  if (instruction == "CMD") {
    config["Cmd"] = command_form(value);
  } else if (instruction == "ENTRYPOINT") {
    config["Entrypoint"] = command_form(value);
  } else if (instruction == "ENV") {
    for (const auto& [key, v] : key_value_pairs(value, instruction)) set_env(config, key, v);
  } else if (instruction == "LABEL") {
    auto& labels = config["Labels"];
    if (!labels.is_object()) labels = nlohmann::json::object();
    for (const auto& [key, v] : key_value_pairs(value, instruction)) labels[key] = v;
  } else if (instruction == "EXPOSE") {
    for (const auto& spec : split_words(value)) expose(config, spec);
  } else if (instruction == "ONBUILD") {
    auto nested =
        upper(value.substr(0, std::find_if(value.begin(), value.end(), is_space) - value.begin()));
    if (nested == "ONBUILD" || nested == "FROM" || nested == "MAINTAINER") {
      invalid(fmt::format("ONBUILD cannot trigger {}", nested));
    }
    auto& triggers = config["OnBuild"];
    if (!triggers.is_array()) triggers = nlohmann::json::array();
    triggers.push_back(std::string(value));
  } else if (instruction == "STOPSIGNAL" || instruction == "USER") {
    auto words = split_words(value);
    if (words.size() != 1) invalid(fmt::format("{} takes one value", instruction));
    config[instruction == "USER" ? "User" : "StopSignal"] = words.front();
  } else if (instruction == "VOLUME") {
    auto paths = json_string_array(value).value_or(split_words(value));
    auto& volumes = config["Volumes"];
    if (!volumes.is_object()) volumes = nlohmann::json::object();
    for (const auto& path : paths) {
      if (path.empty()) invalid("VOLUME paths cannot be empty");
      volumes[path] = nlohmann::json::object();
    }
  } else if (instruction == "WORKDIR") {
    auto words = split_words(value, false);
    if (words.size() != 1 || words.front().empty()) invalid("WORKDIR takes one path");
    config["WorkingDir"] = resolve_workdir(config, words.front());
  } else {
    invalid(fmt::format("unknown instruction \"{}\": use {}", instruction, kSupported));
  }
}

}  // namespace

void apply_config_change(nlohmann::json& config, std::string_view change) {
  std::string_view text = trim(change);
  auto word_end =
      std::find_if(text.begin(), text.end(), [](char c) { return is_space(c) || c == '='; }) -
      text.begin();
  std::string instruction = upper(text.substr(0, static_cast<std::size_t>(word_end)));
  std::string_view value = trim(text.substr(static_cast<std::size_t>(word_end)));
  // "CMD=ls" as well as "CMD ls"; "=" after the word belongs to the syntax.
  if (static_cast<std::size_t>(word_end) < text.size() && text[word_end] == '=') {
    value = trim(text.substr(static_cast<std::size_t>(word_end) + 1));
  }
  with_context(fmt::format("invalid change \"{}\"", change), [&] {
    if (instruction.empty()) invalid(fmt::format("missing instruction: use {}", kSupported));
    if (!is_supported(instruction)) {
      invalid(fmt::format("unknown instruction \"{}\": use {}", instruction, kSupported));
    }
    if (value.empty()) {
      invalid(fmt::format("{} needs a value: write \"{} VALUE\"", instruction, instruction));
    }
    nlohmann::json updated = config.is_object() ? config : nlohmann::json::object();
    apply_instruction(updated, instruction, value);
    config = std::move(updated);
  });
}

void apply_config_changes(nlohmann::json& config, const std::vector<std::string>& changes) {
  nlohmann::json updated = config;
  for (const auto& change : changes) apply_config_change(updated, change);
  config = std::move(updated);
}

}  // namespace berth::image
