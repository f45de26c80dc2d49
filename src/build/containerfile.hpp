#pragma once

// Containerfile parsing: instructions grouped into stages, with the parser
// directives (escape, syntax), comments and line continuations handled.
// Variables are not expanded here (see expand.hpp): the builder expands
// them step by step, as the values of ARG and ENV change.

#include <string>
#include <string_view>
#include <vector>

namespace berth::build {

// One instruction as written.
struct Instruction {
  std::string keyword;             // upper case: "RUN", "COPY", ...
  std::vector<std::string> flags;  // leading "--name=value" flags, as written
  std::string args;                // the rest, continuation lines joined
  // Exec (JSON array) form of RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD and
  // VOLUME: json is set and json_args holds the array's strings.
  bool json = false;
  std::vector<std::string> json_args;
  std::string text;  // "KEYWORD args" on one line, for STEP lines and history
  int line = 0;      // line of the keyword, from 1
};

// A FROM and the instructions up to the next one.
struct Stage {
  Instruction from;
  std::string base;      // image, earlier stage name, or "scratch"; not expanded
  std::string name;      // AS name, lower case; "" when unnamed
  std::string platform;  // --platform value, not expanded
  std::vector<Instruction> instructions;
};

struct Containerfile {
  std::vector<Instruction> global_args;  // ARG instructions before the first FROM
  std::vector<Stage> stages;
  char escape = '\\';
};

// Parses text, the contents of file_name (used in messages only). Throws
// Error{kInvalidArgument} naming the file and line for an unknown
// instruction, an instruction before the first FROM other than ARG, a flag
// the instruction does not take, or a file without FROM.
Containerfile parse_containerfile(std::string_view text, const std::string& file_name);

// Parses a JSON array of strings; returns false when text is not one.
bool parse_json_array(std::string_view text, std::vector<std::string>& out);

}  // namespace berth::build
