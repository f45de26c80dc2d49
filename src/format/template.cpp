#include "format/template.hpp"

#include <cctype>
#include <cstdio>

#include "common/error.hpp"

namespace berth::format {

namespace {

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

const nlohmann::json* lookup(const nlohmann::json& value, const std::string& path,
                             const std::string& text) {
  if (path == ".") return &value;
  if (path.empty() || path.front() != '.') {
    fail(ErrorCode::kInvalidArgument, "invalid format \"{}\": unsupported action \"{}\"", text,
         path);
  }
  const nlohmann::json* current = &value;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    auto dot = path.find('.', pos);
    std::string key = path.substr(pos, dot - pos);
    if (!current->is_object() || !current->contains(key)) {
      fail(ErrorCode::kInvalidArgument,
           "invalid format \"{}\": can't evaluate field {} in the output", text, key);
    }
    current = &(*current)[key];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return current;
}

// Splits a template into literal text and {{actions}}, calling on_text and
// on_action (with the trimmed action) in order. Throws Error naming the
// template when an action is not closed.
template <typename OnText, typename OnAction>
void for_each_part(const std::string& text, OnText&& on_text, OnAction&& on_action) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto open = text.find("{{", pos);
    if (open == std::string::npos) {
      on_text(text.substr(pos));
      return;
    }
    on_text(text.substr(pos, open - pos));
    auto close = text.find("}}", open);
    if (close == std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "invalid format \"{}\": unclosed action", text);
    }
    on_action(trim(text.substr(open + 2, close - open - 2)));
    pos = close + 2;
  }
}

}  // namespace

std::string render_template(const std::string& text, const nlohmann::json& value) {
  std::string out;
  for_each_part(
      text, [&](const std::string& literal) { out += literal; },
      [&](std::string action) {
        bool as_json = action.starts_with("json ");
        if (as_json) action = trim(action.substr(5));
        const auto* field = lookup(value, action, text);
        if (!as_json && field->is_string()) {
          out += field->get<std::string>();
        } else if (!as_json && field->is_null()) {
          out += "<no value>";
        } else {
          out += field->dump();
        }
      });
  // Go templates print "\n" sequences given on the command line literally,
  // but Podman users expect them to be newlines.
  std::string result;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\\' && i + 1 < out.size() && out[i + 1] == 'n') {
      result += '\n';
      ++i;
    } else if (out[i] == '\\' && i + 1 < out.size() && out[i + 1] == 't') {
      result += '\t';
      ++i;
    } else {
      result += out[i];
    }
  }
  return result;
}

namespace {

// The header for "table" formats: each {{.Field}} becomes its name in
// capitals, "ID" for IDs, as Podman's headers read.
std::string table_header(const std::string& text) {
  std::string out;
  for_each_part(
      text, [&](const std::string& literal) { out += literal; },
      [&](std::string field) {
        if (field.starts_with("json ")) field = trim(field.substr(5));
        auto dot = field.rfind('.');
        std::string name = dot == std::string::npos ? field : field.substr(dot + 1);
        for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (name == "ID") name = "CONTAINER ID";
        out += name;
      });
  return out;
}

}  // namespace

void print_formatted(const std::string& format, const nlohmann::json& items) {
  if (format == "json") {
    std::printf("%s\n", items.dump(4).c_str());
    return;
  }
  std::string text = format;
  if (text.starts_with("table")) {
    text = trim(text.substr(5));
    if (text.empty()) text = "{{.ID}}";
    std::printf("%s\n", render_template(table_header(text), nlohmann::json::object()).c_str());
  }
  for (const auto& item : items) std::printf("%s\n", render_template(text, item).c_str());
}

}  // namespace berth::format
