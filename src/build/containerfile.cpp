// Containerfile parsing.

#include "build/containerfile.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace berth::build {

namespace {

constexpr std::array<std::string_view, 18> kKeywords = {
    "ADD",    "ARG",   "CMD",         "COPY",  "ENTRYPOINT", "ENV",
    "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
    "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR"};

// The flags each instruction takes; the others take none (HEALTHCHECK
// reads its own from args).
bool flag_allowed(std::string_view keyword, std::string_view name) {
  if (keyword == "FROM") return name == "platform";
  if (keyword == "COPY")
    return name == "from" || name == "chown" || name == "chmod" || name == "link";
  if (keyword == "ADD") return name == "chown" || name == "chmod" || name == "link";
  return false;
}

bool takes_json(std::string_view keyword) {
  return keyword == "RUN" || keyword == "CMD" || keyword == "ENTRYPOINT" || keyword == "SHELL" ||
         keyword == "COPY" || keyword == "ADD" || keyword == "VOLUME";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Reads the parser directives at the top of the file ("# escape=`",
// "# syntax=..."); returns the index of the first line after them.
std::size_t read_directives(const std::vector<std::string_view>& lines, char& escape,
                            const std::string& file_name) {
  std::size_t i = 0;
  for (; i < lines.size(); ++i) {
    auto line = trim(lines[i]);
    if (!line.starts_with("#")) break;
    auto body = trim(line.substr(1));
    auto equals = body.find('=');
    if (equals == std::string_view::npos) break;
    auto name = lower(trim(body.substr(0, equals)));
    auto value = trim(body.substr(equals + 1));
    if (name == "escape") {
      if (value != "\\" && value != "`") {
        fail(ErrorCode::kInvalidArgument,
             "parsing \"{}\" line {}: invalid escape character \"{}\": use \\ or `", file_name,
             i + 1, value);
      }
      escape = value.front();
    } else if (name != "syntax" && name != "check") {
      break;
    }
  }
  return i;
}

// Splits flags off the start of args: "--name=value" words.
void take_flags(Instruction& instruction, const std::string& file_name) {
  std::string_view rest = instruction.args;
  while (rest.starts_with("--")) {
    auto end = rest.find_first_of(" \t");
    std::string_view flag = rest.substr(0, end);
    auto equals = flag.find('=');
    std::string name(flag.substr(2, equals == std::string_view::npos ? flag.npos : equals - 2));
    if (!flag_allowed(instruction.keyword, name)) {
      fail(ErrorCode::kInvalidArgument, "parsing \"{}\" line {}: unknown flag \"--{}\" for {}",
           file_name, instruction.line, name, instruction.keyword);
    }
    instruction.flags.emplace_back(flag);
    rest = end == std::string_view::npos ? std::string_view() : trim(rest.substr(end));
  }
  instruction.args = std::string(rest);
}

Instruction make_instruction(std::string_view joined, int line, const std::string& file_name) {
  Instruction instruction;
  instruction.line = line;
  auto space = joined.find_first_of(" \t");
  std::string_view word = joined.substr(0, space);
  instruction.keyword = upper(word);
  if (std::find(kKeywords.begin(), kKeywords.end(), instruction.keyword) == kKeywords.end()) {
    fail(ErrorCode::kInvalidArgument, "parsing \"{}\" line {}: unknown instruction \"{}\"",
         file_name, line, word);
  }
  instruction.args = space == std::string_view::npos ? "" : std::string(trim(joined.substr(space)));
  if (instruction.keyword != "ONBUILD" && instruction.keyword != "HEALTHCHECK") {
    take_flags(instruction, file_name);
  }
  instruction.text = instruction.keyword;
  for (const auto& flag : instruction.flags) instruction.text += " " + flag;
  if (!instruction.args.empty()) instruction.text += " " + instruction.args;
  if (takes_json(instruction.keyword) && instruction.args.starts_with("[")) {
    instruction.json = parse_json_array(instruction.args, instruction.json_args);
  }
  return instruction;
}

}  // namespace

bool parse_json_array(std::string_view text, std::vector<std::string>& out) {
  auto value = nlohmann::json::parse(text, nullptr, false);
  if (!value.is_array()) return false;
  std::vector<std::string> strings;
  for (const auto& item : value) {
    if (!item.is_string()) return false;
    strings.push_back(item.get<std::string>());
  }
  out = std::move(strings);
  return true;
}

Containerfile parse_containerfile(std::string_view text, const std::string& file_name) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  Containerfile file;
  std::size_t i = read_directives(lines, file.escape, file_name);
  std::vector<Instruction> instructions;
  while (i < lines.size()) {
    auto line = trim(lines[i]);
    if (line.empty() || line.starts_with("#")) {
      ++i;
      continue;
    }
    int first_line = static_cast<int>(i) + 1;
    std::string joined;
    // A line ending in the escape character continues on the next line;
    // comment and empty lines inside the instruction are skipped.
    while (true) {
      bool continues = !line.empty() && line.back() == file.escape;
      if (continues) line.remove_suffix(1);
      joined += line;
      ++i;
      if (!continues) break;
      while (i < lines.size() && (trim(lines[i]).empty() || trim(lines[i]).starts_with("#"))) {
        ++i;
      }
      if (i >= lines.size()) break;
      line = trim(lines[i]);
    }
    instructions.push_back(make_instruction(trim(joined), first_line, file_name));
  }

  for (auto& instruction : instructions) {
    if (instruction.keyword == "FROM") {
      Stage stage;
      stage.from = instruction;
      for (const auto& flag : instruction.flags) {
        if (flag.starts_with("--platform=")) stage.platform = flag.substr(11);
      }
      std::vector<std::string> words;
      std::string_view rest = instruction.args;
      while (!(rest = trim(rest)).empty()) {
        auto end = rest.find_first_of(" \t");
        words.emplace_back(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
      }
      if (words.size() == 3 && lower(words[1]) == "as") {
        stage.name = lower(words[2]);
      } else if (words.size() != 1) {
        fail(ErrorCode::kInvalidArgument,
             "parsing \"{}\" line {}: invalid FROM \"{}\": use FROM IMAGE [AS NAME]", file_name,
             instruction.line, instruction.args);
      }
      stage.base = words[0];
      file.stages.push_back(std::move(stage));
    } else if (file.stages.empty()) {
      if (instruction.keyword != "ARG") {
        fail(ErrorCode::kInvalidArgument,
             "parsing \"{}\" line {}: {} before the first FROM: only ARG may come first", file_name,
             instruction.line, instruction.keyword);
      }
      file.global_args.push_back(instruction);
    } else {
      file.stages.back().instructions.push_back(instruction);
    }
  }
  if (file.stages.empty()) {
    fail(ErrorCode::kInvalidArgument, "parsing \"{}\": no FROM instruction: start with FROM IMAGE",
         file_name);
  }
  return file;
}

}  // namespace berth::build
